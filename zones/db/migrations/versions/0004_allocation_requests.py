"""Plot allocation requests, scores, reservations, lotteries, district policies (issue 6).

Only new tables, referring to 0001's: nothing here depends on 0003's tables. The partial
unique index ``uq_reservation_live_plot`` keeps one live reservation per plot.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('district_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('expansion_only', sa.Boolean(), nullable=False),
    sa.Column('reservation_hours', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_district_policy_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_policy')),
    sa.UniqueConstraint('district_id', name=op.f('uq_district_policy_district_id'))
    )
    op.create_table('lottery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('candidates', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('drawn_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plot.id'], name=op.f('fk_lottery_plot_id_plot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery'))
    )
    op.create_index(op.f('ix_lottery_plot_id'), 'lottery', ['plot_id'], unique=False)
    op.create_table('allocation_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.Enum('new_unit', 'expansion', name='requestpurpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('expansion_kind', sa.Enum('new_line', 'more_space', name='expansionkind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('isic4', sa.String(length=4), nullable=False),
    sa.Column('env_group', sa.Enum('A', 'B', 'C', 'D', 'E', name='envgroup', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('area_min_m2', sa.Float(), nullable=False),
    sa.Column('area_max_m2', sa.Float(), nullable=False),
    sa.Column('power_kva', sa.Float(), nullable=True),
    sa.Column('water_m3_day', sa.Float(), nullable=True),
    sa.Column('needs_gas', sa.Boolean(), nullable=False),
    sa.Column('needs_rail', sa.Boolean(), nullable=False),
    sa.Column('preferred_districts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('preferred_plots', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('licence_no', sa.String(length=64), nullable=True),
    sa.Column('licence_expiry', sa.Date(), nullable=True),
    sa.Column('investment_rial', sa.BigInteger(), nullable=True),
    sa.Column('jobs', sa.Integer(), nullable=True),
    sa.Column('export_share', sa.Float(), nullable=True),
    sa.Column('knowledge_based', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'under_review', 'reserved', 'approved', 'rejected', 'withdrawn', 'expired', name='requeststatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_ref', sa.String(length=200), nullable=True),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("purpose = 'new_unit' OR unit_id IS NOT NULL", name=op.f('ck_allocation_request_expansion_has_unit')),
    sa.CheckConstraint('area_min_m2 > 0 AND area_max_m2 >= area_min_m2', name=op.f('ck_allocation_request_area_range')),
    sa.CheckConstraint('export_share IS NULL OR (export_share >= 0 AND export_share <= 1)', name=op.f('ck_allocation_request_export_share_range')),
    sa.CheckConstraint('length(isic4) = 4', name=op.f('ck_allocation_request_isic4_length')),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocation.id'], name=op.f('fk_allocation_request_allocation_id_allocation')),
    sa.ForeignKeyConstraint(['investor_id'], ['investor.id'], name=op.f('fk_allocation_request_investor_id_investor')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['app_user.id'], name=op.f('fk_allocation_request_submitted_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['production_unit.id'], name=op.f('fk_allocation_request_unit_id_production_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_request')),
    sa.UniqueConstraint('investor_id', 'idempotency_key', name=op.f('uq_allocation_request_investor_id_idempotency_key'))
    )
    op.create_index(op.f('ix_allocation_request_investor_id'), 'allocation_request', ['investor_id'], unique=False)
    op.create_index(op.f('ix_allocation_request_status'), 'allocation_request', ['status'], unique=False)
    op.create_table('request_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.String(length=64), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('max_points', sa.Float(), nullable=False),
    sa.Column('computed', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('scored_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('points >= 0 AND points <= max_points', name=op.f('ck_request_score_points_range')),
    sa.ForeignKeyConstraint(['request_id'], ['allocation_request.id'], name=op.f('fk_request_score_request_id_allocation_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_score')),
    sa.UniqueConstraint('request_id', 'criterion', name=op.f('uq_request_score_request_id_criterion'))
    )
    op.create_table('request_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('submitted', 'under_review', 'reserved', 'approved', 'rejected', 'withdrawn', 'expired', name='from_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('submitted', 'under_review', 'reserved', 'approved', 'rejected', 'withdrawn', 'expired', name='to_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['allocation_request.id'], name=op.f('fk_request_status_change_request_id_allocation_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_status_change'))
    )
    op.create_index(op.f('ix_request_status_change_request_id'), 'request_status_change', ['request_id'], unique=False)
    op.create_table('reservation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('live', 'converted', 'released', 'expired', name='reservationstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['plot_id'], ['plot.id'], name=op.f('fk_reservation_plot_id_plot')),
    sa.ForeignKeyConstraint(['request_id'], ['allocation_request.id'], name=op.f('fk_reservation_request_id_allocation_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservation'))
    )
    op.create_index(op.f('ix_reservation_request_id'), 'reservation', ['request_id'], unique=False)
    op.create_index('ix_reservation_status_expires_at', 'reservation', ['status', 'expires_at'], unique=False)
    op.create_index('uq_reservation_live_plot', 'reservation', ['plot_id'], unique=True, postgresql_where=sa.text("status = 'live'"), sqlite_where=sa.text("status = 'live'"))


def downgrade() -> None:
    op.drop_index('uq_reservation_live_plot', table_name='reservation', postgresql_where=sa.text("status = 'live'"), sqlite_where=sa.text("status = 'live'"))
    op.drop_index('ix_reservation_status_expires_at', table_name='reservation')
    op.drop_index(op.f('ix_reservation_request_id'), table_name='reservation')
    op.drop_table('reservation')
    op.drop_index(op.f('ix_request_status_change_request_id'), table_name='request_status_change')
    op.drop_table('request_status_change')
    op.drop_table('request_score')
    op.drop_index(op.f('ix_allocation_request_status'), table_name='allocation_request')
    op.drop_index(op.f('ix_allocation_request_investor_id'), table_name='allocation_request')
    op.drop_table('allocation_request')
    op.drop_index(op.f('ix_lottery_plot_id'), table_name='lottery')
    op.drop_table('lottery')
    op.drop_table('district_policy')

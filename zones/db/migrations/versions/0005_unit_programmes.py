"""Unit expansion projects, output reports, revival plans, obstacles, actions, land
appraisals, levy tariffs and the levy ledger (issue 7).

Only new tables referring to 0001's (``allocation_request_id`` is a plain integer, so
nothing here depends on 0003/0004). The obstacle taxonomy is seeded; it stays editable.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OBSTACLE_KINDS = [
    ("bank_finance", "بانک و تأمین مالی", "Bank and finance"),
    ("working_capital", "سرمایه در گردش", "Working capital"),
    ("mismanagement", "سوء مدیریت", "Mismanagement"),
    ("outdated_technology", "فناوری فرسوده", "Outdated technology"),
    ("bureaucracy_permits", "بوروکراسی و مجوزها", "Bureaucracy and permits"),
    ("raw_materials", "مواد اولیه", "Raw materials"),
    ("energy", "انرژی", "Energy"),
    ("market", "بازار", "Market"),
    ("shareholder_dispute", "اختلاف سهامداران", "Shareholder dispute"),
    ("legal", "حقوقی و قضایی", "Legal"),
    ("other", "سایر", "Other"),
]


def upgrade() -> None:
    op.create_table('levy_tariff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('schedule', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('grace_months', sa.Integer(), nullable=False),
    sa.Column('terminate_after_years', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('grace_months >= 0', name=op.f('ck_levy_tariff_grace_nonneg')),
    sa.CheckConstraint('terminate_after_years >= 1', name=op.f('ck_levy_tariff_terminate_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_tariff')),
    sa.UniqueConstraint('valid_from', name=op.f('uq_levy_tariff_valid_from')),
    sa.UniqueConstraint('version', name=op.f('uq_levy_tariff_version'))
    )
    op.create_table('obstacle_kind',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_fa', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obstacle_kind')),
    sa.UniqueConstraint('code', name=op.f('uq_obstacle_kind_code'))
    )
    op.create_table('expansion_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('new_line', 'more_space', name='projectkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title_fa', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('capacity_added', sa.Float(), nullable=True),
    sa.Column('capacity_unit', sa.String(length=32), nullable=True),
    sa.Column('jobs', sa.Integer(), nullable=True),
    sa.Column('investment_rial', sa.BigInteger(), nullable=True),
    sa.Column('land_needed_m2', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'under_way', 'completed', 'cancelled', name='projectstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('allocation_request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('capacity_added IS NULL OR capacity_added >= 0', name=op.f('ck_expansion_project_capacity_nonneg')),
    sa.CheckConstraint('land_needed_m2 IS NULL OR land_needed_m2 >= 0', name=op.f('ck_expansion_project_land_nonneg')),
    sa.ForeignKeyConstraint(['unit_id'], ['production_unit.id'], name=op.f('fk_expansion_project_unit_id_production_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expansion_project'))
    )
    op.create_index(op.f('ix_expansion_project_unit_id'), 'expansion_project', ['unit_id'], unique=False)
    op.create_table('output_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('capacity', sa.Float(), nullable=True),
    sa.Column('output', sa.Float(), nullable=False),
    sa.Column('unit_of_measure', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('output >= 0', name=op.f('ck_output_report_output_nonneg')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_output_report_period_order')),
    sa.ForeignKeyConstraint(['unit_id'], ['production_unit.id'], name=op.f('fk_output_report_unit_id_production_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_output_report')),
    sa.UniqueConstraint('unit_id', 'period_end', name=op.f('uq_output_report_unit_id_period_end'))
    )
    op.create_index(op.f('ix_output_report_unit_id'), 'output_report', ['unit_id'], unique=False)
    op.create_table('revival_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'active', 'closed', name='planstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('cooperative', sa.Boolean(), nullable=True),
    sa.Column('cooperation_note', sa.String(length=1000), nullable=True),
    sa.Column('outcome', sa.Enum('reactivated', 'cannot_return', 'non_cooperative', name='planoutcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(outcome IS NULL) = (outcome_on IS NULL)', name=op.f('ck_revival_plan_outcome_dated')),
    sa.CheckConstraint('ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on', name=op.f('ck_revival_plan_timetable_order')),
    sa.ForeignKeyConstraint(['unit_id'], ['production_unit.id'], name=op.f('fk_revival_plan_unit_id_production_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revival_plan')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_revival_plan_unit_id'))
    )
    op.create_index(op.f('ix_revival_plan_status'), 'revival_plan', ['status'], unique=False)
    op.create_table('obstacle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('kind_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.Enum('open', 'resolved', name='obstaclestatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['kind_id'], ['obstacle_kind.id'], name=op.f('fk_obstacle_kind_id_obstacle_kind')),
    sa.ForeignKeyConstraint(['plan_id'], ['revival_plan.id'], name=op.f('fk_obstacle_plan_id_revival_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obstacle'))
    )
    op.create_index(op.f('ix_obstacle_kind_id'), 'obstacle', ['kind_id'], unique=False)
    op.create_index(op.f('ix_obstacle_plan_id'), 'obstacle', ['plan_id'], unique=False)
    op.create_table('levy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_rial', sa.BigInteger(), nullable=False),
    sa.Column('tariff_version', sa.Integer(), nullable=False),
    sa.Column('idle_year', sa.Integer(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('land_value_rial', sa.BigInteger(), nullable=False),
    sa.Column('days_charged', sa.Integer(), nullable=False),
    sa.Column('recommend_termination', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('issued', 'paid', 'appealed', 'waived', name='levystatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_rial >= 0', name=op.f('ck_levy_amount_nonneg')),
    sa.ForeignKeyConstraint(['plot_id'], ['plot.id'], name=op.f('fk_levy_plot_id_plot')),
    sa.ForeignKeyConstraint(['unit_id'], ['production_unit.id'], name=op.f('fk_levy_unit_id_production_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_levy_unit_id_year'))
    )
    op.create_index(op.f('ix_levy_plot_id'), 'levy', ['plot_id'], unique=False)
    op.create_index(op.f('ix_levy_status'), 'levy', ['status'], unique=False)
    op.create_index(op.f('ix_levy_unit_id'), 'levy', ['unit_id'], unique=False)
    op.create_table('plot_appraisal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('valued_on', sa.Date(), nullable=False),
    sa.Column('rial_per_m2', sa.BigInteger(), nullable=False),
    sa.Column('appraiser', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('rial_per_m2 > 0', name=op.f('ck_plot_appraisal_value_positive')),
    sa.ForeignKeyConstraint(['plot_id'], ['plot.id'], name=op.f('fk_plot_appraisal_plot_id_plot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plot_appraisal'))
    )
    op.create_index(op.f('ix_plot_appraisal_plot_id'), 'plot_appraisal', ['plot_id'], unique=False)
    op.create_table('revival_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obstacle_id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('representative', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'cancelled', name='actionstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['obstacle_id'], ['obstacle.id'], name=op.f('fk_revival_action_obstacle_id_obstacle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revival_action'))
    )
    op.create_index(op.f('ix_revival_action_agency'), 'revival_action', ['agency'], unique=False)
    op.create_index(op.f('ix_revival_action_due_on'), 'revival_action', ['due_on'], unique=False)
    op.create_index(op.f('ix_revival_action_obstacle_id'), 'revival_action', ['obstacle_id'], unique=False)
    op.create_index(op.f('ix_revival_action_status'), 'revival_action', ['status'], unique=False)
    op.create_table('levy_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('levy_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('issued', 'paid', 'appealed', 'waived', name='levy_from_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('issued', 'paid', 'appealed', 'waived', name='levy_to_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['levy_id'], ['levy.id'], name=op.f('fk_levy_event_levy_id_levy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_event'))
    )
    op.create_index(op.f('ix_levy_event_levy_id'), 'levy_event', ['levy_id'], unique=False)

    kind = sa.table("obstacle_kind", sa.column("code", sa.String), sa.column("name_fa", sa.String),
                    sa.column("name_en", sa.String), sa.column("active", sa.Boolean))
    op.bulk_insert(kind, [{"code": c, "name_fa": fa, "name_en": en, "active": True}
                          for c, fa, en in OBSTACLE_KINDS])


def downgrade() -> None:
    op.drop_index(op.f('ix_levy_event_levy_id'), table_name='levy_event')
    op.drop_table('levy_event')
    op.drop_index(op.f('ix_revival_action_status'), table_name='revival_action')
    op.drop_index(op.f('ix_revival_action_obstacle_id'), table_name='revival_action')
    op.drop_index(op.f('ix_revival_action_due_on'), table_name='revival_action')
    op.drop_index(op.f('ix_revival_action_agency'), table_name='revival_action')
    op.drop_table('revival_action')
    op.drop_index(op.f('ix_plot_appraisal_plot_id'), table_name='plot_appraisal')
    op.drop_table('plot_appraisal')
    op.drop_index(op.f('ix_levy_unit_id'), table_name='levy')
    op.drop_index(op.f('ix_levy_status'), table_name='levy')
    op.drop_index(op.f('ix_levy_plot_id'), table_name='levy')
    op.drop_table('levy')
    op.drop_index(op.f('ix_obstacle_plan_id'), table_name='obstacle')
    op.drop_index(op.f('ix_obstacle_kind_id'), table_name='obstacle')
    op.drop_table('obstacle')
    op.drop_index(op.f('ix_revival_plan_status'), table_name='revival_plan')
    op.drop_table('revival_plan')
    op.drop_index(op.f('ix_output_report_unit_id'), table_name='output_report')
    op.drop_table('output_report')
    op.drop_index(op.f('ix_expansion_project_unit_id'), table_name='expansion_project')
    op.drop_table('expansion_project')
    op.drop_table('obstacle_kind')
    op.drop_table('levy_tariff')

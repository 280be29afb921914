"""An expansion project's land need, sent through the allocation workflow.

The request is an *expansion* request for the project's unit, so matching ranks plots
adjacent to the unit's current plots first (by shared boundary) and districts kept for
expansion only are open to it. Asking twice returns the same request (the project id is
its idempotency key).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from zones import errors
from zones.model import (
    AllocationRequest,
    EnvGroup,
    ExpansionKind,
    ExpansionProject,
    RequestPurpose,
)
from zones.services.requests import RequestInput, submit

# The need is a target: plots a little smaller or larger are still worth offering.
AREA_BELOW, AREA_ABOVE = 0.9, 1.25


def request_land(*, session: Session, project: ExpansionProject, actor: str,
                 submitted_by_id: int | None, open_max: int) -> tuple[AllocationRequest, bool]:
    """The allocation request for ``project``'s land (created, or the one already sent)."""
    if not project.land_needed_m2:
        raise errors.NoLandNeeded("record the land the project needs (land_needed_m2) first",
                           project=project.id)
    unit = project.unit
    need = project.land_needed_m2
    data = RequestInput(
        purpose=RequestPurpose.EXPANSION, unit_ref=unit.ref,
        expansion_kind=ExpansionKind(project.kind.value), isic4=unit.isic4,
        env_group=unit.env_group or EnvGroup.C, area_min_m2=need * AREA_BELOW,
        area_max_m2=need * AREA_ABOVE, licence_no=unit.establishment_licence_no,
        licence_expiry=unit.establishment_licence_expiry,
        investment_rial=project.investment_rial, jobs=project.jobs,
        export_share=unit.export_share, knowledge_based=unit.knowledge_based,
        note=project.title_fa)
    request, created = submit(session=session, investor=unit.investor, data=data,
                              idempotency_key=f"expansion-project-{project.id}", actor=actor,
                              submitted_by_id=submitted_by_id, open_max=open_max)
    project.allocation_request_id = request.id
    session.flush()
    return request, created

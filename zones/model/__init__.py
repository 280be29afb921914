"""ORM tables, one module per aggregate. Importing this package registers them all."""

from zones.model.audit import AuditAction, AuditEvent
from zones.model.auth import ApiToken, Role, User
from zones.model.base import STORAGE_SRID, Base, utcnow
from zones.model.geography import (
    District,
    DistrictKind,
    DistrictStatus,
    ExpansionArea,
    ExpansionStatus,
    Zone,
)
from zones.model.infrastructure import (
    CustomsSite,
    InfrastructureAsset,
    Network,
    ProtectedArea,
    ProtectedKind,
    SiteStatus,
    WorkStatus,
)
from zones.model.parties import (
    BankFacility,
    DormancyCause,
    EnvGroup,
    FacilityStatus,
    Investor,
    PartyKind,
    ProductionUnit,
    UnitStatus,
    UnitStatusChange,
)
from zones.model.plans import PlanRevision, RevisionStatus
from zones.model.plots import HELD_STATUSES, LandUse, LineageKind, Plot, PlotLineage, PlotStatus
from zones.model.tenure import (
    Allocation,
    AllocationStatus,
    Obligation,
    ObligationKind,
    ObligationStatus,
    Tenure,
)

__all__ = [
    "HELD_STATUSES",
    "STORAGE_SRID",
    "Allocation",
    "AllocationStatus",
    "ApiToken",
    "AuditAction",
    "AuditEvent",
    "BankFacility",
    "Base",
    "CustomsSite",
    "District",
    "DistrictKind",
    "DistrictStatus",
    "DormancyCause",
    "EnvGroup",
    "ExpansionArea",
    "ExpansionStatus",
    "FacilityStatus",
    "InfrastructureAsset",
    "Investor",
    "LandUse",
    "LineageKind",
    "Network",
    "Obligation",
    "ObligationKind",
    "ObligationStatus",
    "PartyKind",
    "PlanRevision",
    "Plot",
    "PlotLineage",
    "PlotStatus",
    "ProductionUnit",
    "ProtectedArea",
    "ProtectedKind",
    "RevisionStatus",
    "Role",
    "SiteStatus",
    "Tenure",
    "UnitStatus",
    "UnitStatusChange",
    "User",
    "WorkStatus",
    "Zone",
    "utcnow",
]

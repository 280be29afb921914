"""Investors and production units: what the API shows, and what registering and
correcting them accepts.

Inputs forbid unknown fields (:class:`api.params.Input`), so ids, statuses, owners and
timestamps can never be set through them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api.params import Input
from zones.model import EnvGroup, PartyKind

RefField = Annotated[str, Field(min_length=2, max_length=32, pattern=r"^[\w\-/.]+$",
                                examples=["INV-132"])]
Reason = Annotated[str, Field(min_length=3, max_length=1000,
                              description="Why (letter or decision reference): audited")]


class InvestorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    kind: str
    name_fa: str
    name_en: str | None
    nationality: str
    national_id: str | None
    email: str | None
    phone: str | None


class UnitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    investor_ref: str
    name_fa: str
    name_en: str | None
    isic4: str
    products: list[dict[str, Any]]
    employment_licensed: int | None
    employment_actual: int | None
    env_group: str | None
    knowledge_based: bool
    export_share: float | None
    status: str
    status_since: dt.date | None
    dormancy_cause: str | None


class Contact(Input):
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=50, pattern=r"^[+\d۰-۹٠-٩ ()\-]+$")
    address: str | None = Field(None, max_length=500)


class InvestorCreate(Contact):
    ref: RefField
    kind: PartyKind
    name_fa: str = Field(min_length=2, max_length=300)
    name_en: str | None = Field(None, max_length=300)
    nationality: str = Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$",
                             description="ISO 3166-1 alpha-2", examples=["IR"])
    national_id: str | None = Field(None, max_length=32)
    reason: Reason


class InvestorUpdate(Contact):
    # Typed without None but defaulting to it: may be left out, never sent as null (Input).
    name_fa: str = Field(None, min_length=2, max_length=300)  # type: ignore[assignment]
    name_en: str | None = Field(None, max_length=300)
    national_id: str | None = Field(None, max_length=32)
    reason: Reason


# What an investor may change in its own record.
CONTACT_FIELDS = frozenset(Contact.model_fields)


class UnitCreate(Input):
    ref: RefField
    investor_ref: RefField
    name_fa: str = Field(min_length=2, max_length=300)
    name_en: str | None = Field(None, max_length=300)
    isic4: str = Field(pattern=r"^\d{4}$", description="ISIC Rev.4 class", examples=["1079"])
    products: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    employment_licensed: int | None = Field(None, ge=0, le=100_000)
    env_group: EnvGroup | None = None
    knowledge_based: bool = False
    export_share: float | None = Field(None, ge=0, le=1)
    investment_rial: int | None = Field(None, ge=0, le=10**15)
    investment_usd: int | None = Field(None, ge=0, le=10**15)
    establishment_licence_no: str | None = Field(None, max_length=64)
    establishment_licence_date: dt.date | None = None
    establishment_licence_expiry: dt.date | None = None
    reason: Reason


class UnitUpdate(Input):
    """Fields typed without ``None`` may be left out but not sent as null (see Input)."""

    name_fa: str = Field(None, min_length=2, max_length=300)  # type: ignore[assignment]
    name_en: str | None = Field(None, max_length=300)
    isic4: str = Field(None, pattern=r"^\d{4}$")  # type: ignore[assignment]
    products: list[dict[str, Any]] = Field(None, max_length=50)  # type: ignore[arg-type]
    employment_licensed: int | None = Field(None, ge=0, le=100_000)
    employment_actual: int | None = Field(None, ge=0, le=100_000)
    env_group: EnvGroup | None = None
    knowledge_based: bool = Field(None)  # type: ignore[assignment]
    export_share: float | None = Field(None, ge=0, le=1)
    investment_rial: int | None = Field(None, ge=0, le=10**15)
    investment_usd: int | None = Field(None, ge=0, le=10**15)
    establishment_licence_no: str | None = Field(None, max_length=64)
    establishment_licence_date: dt.date | None = None
    establishment_licence_expiry: dt.date | None = None
    operating_licence_no: str | None = Field(None, max_length=64)
    operating_licence_date: dt.date | None = None
    reason: Reason

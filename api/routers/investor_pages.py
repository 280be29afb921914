"""An investor's pages: own units and requests, and the allocation-request form."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"])

"""The working group's review queue: plan revisions and allocation requests to decide."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"])

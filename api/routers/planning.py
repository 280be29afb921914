"""Planning analysis (issue 8)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

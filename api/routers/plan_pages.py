"""A consultant's pages: upload a plan file, follow the job, the report and diff on a map."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"])

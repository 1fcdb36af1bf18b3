"""The console's pages, as one router mounted by the API app."""

from __future__ import annotations

from fastapi import APIRouter

from gridloop.entrypoints.web import pages_auth, pages_cases, pages_intake, pages_work

router = APIRouter(include_in_schema=False)
for _module in (pages_auth, pages_intake, pages_cases, pages_work):
    router.include_router(_module.router)

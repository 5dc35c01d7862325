"""API v1: staffing/capacity_api (issue 16)."""

from ninja import Router

router = Router(tags=["staffing"])

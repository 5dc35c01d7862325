"""API v1: staffing/tiers_api (issue 16)."""

from ninja import Router

router = Router(tags=["staffing"])

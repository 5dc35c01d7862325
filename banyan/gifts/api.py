"""API v1: gifts/api (issue 16)."""

from ninja import Router

router = Router(tags=["gifts"])

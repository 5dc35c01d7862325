"""Staffing models: the tiers (issue 16 §7). Capacity (§8) is computed and keeps no rows."""

from django.db import models  # noqa: F401

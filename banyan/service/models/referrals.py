"""referrals (SVC)."""

__all__: list[str] = []

"""complaints (SVC)."""

__all__: list[str] = []

"""groups (SVC)."""

__all__: list[str] = []

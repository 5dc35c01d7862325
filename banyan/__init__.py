"""Banyan — customer relationship management and maintenance for retail banks."""

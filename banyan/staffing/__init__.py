"""Staffing (issue 16 §7, §8; SPEC SEG-4, seeds 001, 002): who covers which customers — the bank's
tiers and the staff they call for (tiers), and whether each manager's book fits the time he or she
has (capacity)."""

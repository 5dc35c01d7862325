"""Gifts (issue 16 §6; seeds 001, 003): the bank's gift catalogue and budgets, the gifts given on a
contact, the branch's spend, and the branch head's approval above the per-customer limit."""

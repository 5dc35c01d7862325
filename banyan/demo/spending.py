"""The demo bank's monthly spending (客户月支出, issue 11 §3 and §7): what the managers have learnt
from about two thirds of their customers, so that the wealth diagnosis's liquidity rule (three to
six months of spending kept liquid) speaks on `make run` — some short of liquid money, most within
the band, some with idle demand deposits — and the rest say "ask the customer".

Deterministic: its own `random.Random`, seeded from the demo's seed, so that the rest of the demo
bank is the same with or without it; rows inserted in bulk as the builder does."""

from __future__ import annotations

import random
from decimal import Decimal

from banyan.customers.models import Customer
from banyan.holdings.models import Holding
from banyan.wealth.diagnosis import is_liquid
from banyan.wealth.models import CustomerSpending

#: Share of customers whose spending the manager has recorded.
KNOWN = 0.65


def make_spending(seed: int, rows: list[Customer], holdings_of: list[list[Holding]]) -> list[CustomerSpending]:
    """A monthly spending for most customers, drawn so that the liquidity rule finds a believable
    mix: about a quarter keep less than three months of it liquid, half three to six months, the
    rest more (idle demand deposits). Within 2,000–80,000 yuan, rounded to 100 yuan."""
    rng = random.Random(f"{seed}-spending")
    out = []
    for c, holdings in zip(rows, holdings_of, strict=True):
        if rng.random() > KNOWN:
            continue
        liquid = sum(float(h.current_value) for h in holdings if h.status == "active" and is_liquid(h.product))
        roll = rng.random()
        months = rng.uniform(1.0, 2.8) if roll < 0.25 else rng.uniform(3.2, 5.8) if roll < 0.75 else rng.uniform(7, 20)
        monthly = liquid / months if liquid else rng.uniform(3000, 12000)
        monthly = max(2000, min(80000, round(monthly / 100) * 100))
        out.append(CustomerSpending(customer=c, monthly=Decimal(monthly), updated_by_id=c.rm_id))
    return out

"""The demo bank's product catalogue and a year of NAV history.

Rates are those of a large Chinese bank in 2025-26 (deposits about 1%, wealth products 2-3.5%,
savings bonds about 1.7%). Two equity funds fell 12-18% in the last six weeks, so that stop-losses
set by their holders trigger; index funds rose over the year, so that some take-profits do.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name: str
    type: str
    risk: str
    term_days: int | None = None
    yield_pct: str | None = None
    issuer: str = "本行"
    # NAV products: return over the year (e.g. 0.18), daily volatility, and a recent fall.
    year_return: float = 0.0
    daily_vol: float = 0.0
    recent_fall: float = 0.0
    start_nav: float = 1.0


PRODUCTS: list[DemoProduct] = [
    DemoProduct("DD-SAV", "个人活期储蓄", "demand_deposit", "R1", None, "0.10"),
    DemoProduct("DD-7D", "七天通知存款", "demand_deposit", "R1", 7, "0.45"),
    DemoProduct("TD-3M", "三个月整存整取", "time_deposit", "R1", 90, "0.85"),
    DemoProduct("TD-6M", "六个月整存整取", "time_deposit", "R1", 180, "1.05"),
    DemoProduct("TD-1Y", "一年期整存整取", "time_deposit", "R1", 365, "1.20"),
    DemoProduct("TD-2Y", "二年期整存整取", "time_deposit", "R1", 730, "1.30"),
    DemoProduct("TD-3Y", "三年期整存整取", "time_deposit", "R1", 1095, "1.55"),
    DemoProduct("TD-5Y", "五年期整存整取", "time_deposit", "R1", 1825, "1.60"),
    DemoProduct("CD-3Y", "三年期大额存单（20万起）", "time_deposit", "R1", 1095, "1.90"),
    DemoProduct("WM-CASH", "天天利现金管理", "wealth", "R1", None, "1.65", "本行理财子公司", 0.0165, 0.00002),
    DemoProduct("WM-90", "安心理财90天", "wealth", "R2", 90, "2.30", "本行理财子公司", 0.023, 0.0002),
    DemoProduct("WM-180", "稳享理财180天", "wealth", "R2", 180, "2.60", "本行理财子公司", 0.026, 0.0003),
    DemoProduct("WM-365", "添利一年期理财", "wealth", "R2", 365, "2.85", "本行理财子公司", 0.0285, 0.0004),
    DemoProduct("WM-PLUS", "固收增强一年持有期", "wealth", "R3", 365, "3.40", "本行理财子公司", 0.030, 0.0012),
    DemoProduct("FD-BOND", "安盈纯债债券A", "fund", "R2", None, None, "浙商基金", 0.028, 0.0008, start_nav=1.0520),
    DemoProduct("FD-BAL", "稳健成长混合", "fund", "R3", None, None, "华夏基金", 0.08, 0.009, start_nav=1.3260),
    DemoProduct("FD-DIV", "红利低波指数", "fund", "R3", None, None, "易方达基金", 0.10, 0.008, start_nav=1.1870),
    DemoProduct("FD-300", "沪深300指数增强A", "fund", "R4", None, None, "富国基金", 0.18, 0.012, start_nav=1.6420),
    DemoProduct("FD-MED", "医药精选股票", "fund", "R4", None, None, "中欧基金", 0.03, 0.014, 0.13, 2.1150),
    DemoProduct("FD-NEV", "新能源主题股票", "fund", "R5", None, None, "汇添富基金", 0.12, 0.018, 0.18, 1.8830),
    DemoProduct("FD-TECH", "科技创新混合", "fund", "R5", None, None, "广发基金", 0.25, 0.017, start_nav=0.9460),
    DemoProduct("IN-ANN", "金福年金保险（分红型）", "insurance", "R2", 3650, "2.50", "中国人寿"),
    DemoProduct("IN-LIFE", "鑫享增额终身寿险", "insurance", "R1", None, "2.00", "平安人寿"),
    DemoProduct("IN-CI", "安康重大疾病保险", "insurance", "R1", 7300, None, "太平洋人寿"),
    DemoProduct("BD-SAV3", "储蓄国债（电子式）三年期", "bond", "R1", 1095, "1.63", "财政部"),
    DemoProduct("BD-SAV5", "储蓄国债（电子式）五年期", "bond", "R1", 1825, "1.70", "财政部"),
    DemoProduct("BD-ZJ", "浙江省地方政府债券（柜台）", "bond", "R2", 1825, "1.95", "浙江省财政厅"),
    DemoProduct("PM-GOLD", "积存金", "precious_metal", "R3", None, None, "本行", 0.22, 0.010, start_nav=768.0),
    DemoProduct("PM-BAR", "金条（实物，本行品牌）", "precious_metal", "R2", None, None, "本行", 0.22, 0.010,
                start_nav=782.0),
    DemoProduct("LN-HOUSE", "个人住房贷款", "loan", "R1", None, "3.05"),
    DemoProduct("LN-BIZ", "个人经营贷款", "loan", "R1", None, "3.45"),
    DemoProduct("LN-CONS", "个人消费贷款", "loan", "R1", None, "3.60"),
    DemoProduct("CC-GOLD", "金卡信用卡", "credit_card", "R1"),
    DemoProduct("CC-PLAT", "白金信用卡", "credit_card", "R1"),
]

NAV_PRODUCT_TYPES = ("fund", "wealth", "precious_metal")

#: A fund that fell did so over its last 30 business days.
FALL_DAYS = 30


def business_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days, d = [], first
    while d <= last:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def nav_series(product: DemoProduct, days: list[dt.date], rng: random.Random) -> list[Decimal]:
    """A believable daily NAV path: a random walk pinned to the year's return (a Brownian bridge),
    then, for a fund that fell, a slide over the last FALL_DAYS days."""
    n = len(days)
    walk = [0.0]
    for _i in range(n - 1):
        walk.append(walk[-1] + rng.gauss(0.0, product.daily_vol))
    target = math.log(1 + product.year_return)
    path = [walk[i] - (i / (n - 1)) * walk[-1] + (i / (n - 1)) * target for i in range(n)]
    if product.recent_fall:
        start = n - FALL_DAYS
        peak = path[start]
        # Keep the run-up, then fall to (1 - fall) of the peak with a little noise on the way.
        drop = math.log(1 - product.recent_fall)
        for k, i in enumerate(range(start, n)):
            frac = (k + 1) / FALL_DAYS
            path[i] = peak + drop * frac + (rng.gauss(0.0, product.daily_vol / 3) if i < n - 1 else 0.0)
    return [Decimal(str(round(product.start_nav * math.exp(x), 4))) for x in path]

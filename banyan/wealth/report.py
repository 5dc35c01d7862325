"""The wealth diagnosis as a printable Chinese PDF (财富诊断报告) that a manager hands the customer.

`diagnosis_pdf(customer, diagnosis, …)` renders `templates/wealth/diagnosis_pdf.html` with WeasyPrint;
its charts (allocation against the target, the maturity ladder, the AUM trend) are drawn on the
server by matplotlib as SVG with every glyph turned into a path (`svg.fonttype: path`), so the
Chinese labels look the same in every PDF viewer and printer, with Debian's Noto Sans CJK as the
font of the text and of the charts. The report is always in Chinese, whatever the manager's page
language: it is the customer's document.

What it must say and must not: the bank's name, the manager's name and work contact, the date,
the figures, a risk notice (理财非存款、产品有风险、投资须谨慎); never a promised return — expected
returns appear only as the products' performance benchmarks (业绩比较基准), labelled as such.

WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0) and is imported
only when a PDF is made, so the rest of Banyan runs without it; `PdfUnavailable` says what to install.

Writes nothing and audits nothing: the caller records the export (diagnosis_services).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import threading
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from banyan.customers.pinyin import COMPOUND_SURNAMES
from banyan.wealth.diagnosis import Diagnosis

FONT_FAMILY = "Noto Sans CJK SC"
GREEN, GREEN_SOFT, GREY, AMBER = "#0f5c4d", "#9cc9bd", "#8a8f98", "#c98a1b"
_LOCK = threading.Lock()  # matplotlib's font and text-path caches are not thread-safe


class PdfUnavailable(RuntimeError):
    """The system lacks what WeasyPrint needs (Pango)."""


def customer_title(name: str, gender: str) -> str:
    """王先生 / 欧阳女士 (compound surnames kept whole); the full name when the gender is unknown."""
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    suffix = {"M": "先生", "F": "女士"}.get(gender or "")
    return surname + suffix if suffix else name


# ------------------------------------------------------------------ charts (SVG, server-side)

def _matplotlib():
    # The font cache lives with the installation's data, not in a home directory the server may lack.
    os.environ.setdefault("MPLCONFIGDIR", str(settings.VAR_DIR / "matplotlib"))
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    return matplotlib, Figure, FigureCanvasSVG


_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "banyan",  # the same figures give the same file
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
    "font.size": 9,
    "axes.unicode_minus": False,
    "xtick.major.size": 0,  # no tick marks: fewer SVG nodes for WeasyPrint to draw
    "ytick.major.size": 0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#c7ccd1",
    "axes.labelcolor": "#333",
    "xtick.color": "#555",
    "ytick.color": "#555",
}


def _svg(draw, width_cm: float, height_cm: float, margins: dict) -> str:
    """Run `draw(figure)` and return the figure as an SVG data URI. Fixed margins (`margins`: the
    subplot parameters), not tight_layout: that measures every label twice, a third of the time."""
    matplotlib, Figure, FigureCanvasSVG = _matplotlib()
    with _LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width_cm / 2.54, height_cm / 2.54))
        FigureCanvasSVG(fig)
        fig.subplots_adjust(**margins)
        draw(fig)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _wan(value: Decimal | float) -> str:
    """An axis label in the bank's units: 8.5万, 231万, 1.25亿 (no thousands separators: short labels)."""
    number = float(value)
    if abs(number) >= 1e8:
        return f"{number / 1e8:.2f}".rstrip("0").rstrip(".") + "亿"
    number /= 10000
    return f"{number:.0f}万" if abs(number) >= 100 else f"{number:.1f}".rstrip("0").rstrip(".") + "万"


def allocation_chart(d: Diagnosis) -> str:
    """Two panels: by asset class and by product risk level, the customer's share against the target."""

    def draw(fig):
        for k, (rows, title) in enumerate(((d.allocation_by_class, "按资产类别"), (d.allocation, "按产品风险等级"))):
            ax = fig.add_subplot(1, 2, k + 1)
            labels = [r.label for r in rows]
            y = list(range(len(rows)))[::-1]
            actual = [float(r.pct) for r in rows]
            ax.barh([v + 0.2 for v in y], actual, height=0.38, color=GREEN, label="当前占比")
            if d.model is not None:
                target = [float(r.target_pct or 0) for r in rows]
                ax.barh([v - 0.2 for v in y], target, height=0.38, color=GREEN_SOFT, label="目标占比")
            ax.set_yticks(y, labels)
            top = max([*actual, *(float(r.target_pct or 0) for r in rows), 10.0])
            limit = min(100.0, top * 1.1 + 5)
            ax.set_xlim(0, limit + 14)  # room for the last bar's label, beyond the axis's own ticks
            ax.set_xticks([t for t in range(0, 101, 20) if t <= limit])
            ax.spines["bottom"].set_bounds(0, limit)
            ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
            for v, a in zip(y, actual, strict=True):
                if a:
                    ax.text(a + 0.8, v + 0.2, f"{a:.1f}%", va="center", fontsize=7, color="#222")
            ax.set_title(title, fontsize=9, loc="left")
            ax.tick_params(axis="y", length=0)
            if k == 0:
                ax.legend(loc="lower right", fontsize=7, frameon=False)

    return _svg(draw, 17.0, 6.2, {"left": 0.1, "right": 0.98, "top": 0.9, "bottom": 0.1, "wspace": 0.3})


def ladder_chart(d: Diagnosis) -> str:
    """What matures in each of the next twelve months."""

    def draw(fig):
        ax = fig.add_subplot(1, 1, 1)
        months = d.maturities.by_month
        labels = [f"{int(b.label[5:])}月" + (f"\n{b.label[:4]}年" if k == 0 or b.label[5:] == "01" else "")
                  for k, b in enumerate(months)]
        values = [float(b.amount) for b in months]
        bars = ax.bar(range(len(months)), values, color=[AMBER if k == 0 else GREEN for k in range(len(months))],
                      width=0.6)
        ax.set_xticks(range(len(months)), labels, fontsize=7)
        ax.yaxis.set_major_formatter(lambda v, _pos: _wan(v))
        for bar, value in zip(bars, values, strict=True):
            if value:
                ax.text(bar.get_x() + bar.get_width() / 2, value, _wan(value), ha="center", va="bottom", fontsize=7)
        if not any(values):
            ax.text(0.5, 0.5, "未来十二个月没有到期的产品", transform=ax.transAxes, ha="center", va="center",
                    color=GREY)
            ax.set_yticks([])
        ax.set_ylim(0, max(values + [1.0]) * 1.2)

    return _svg(draw, 17.0, 5.0, {"left": 0.09, "right": 0.99, "top": 0.95, "bottom": 0.2})


def trend_chart(d: Diagnosis) -> str:
    """AUM at the month-ends on record (up to twelve)."""

    def draw(fig):
        ax = fig.add_subplot(1, 1, 1)
        points = d.trend
        if len(points) < 2:
            ax.text(0.5, 0.5, "资产记录不足两个月，暂无走势", transform=ax.transAxes, ha="center", va="center",
                    color=GREY)
            ax.set_xticks([])
            ax.set_yticks([])
            return
        xs = list(range(len(points)))
        ys = [float(a) for _d, a in points]
        ax.plot(xs, ys, color=GREEN, linewidth=1.8, marker="o", markersize=3)
        ax.fill_between(xs, ys, min(ys) * 0.98, color=GREEN, alpha=0.08)
        ax.set_xticks(xs, [f"{day.year % 100:02d}/{day.month:02d}" for day, _a in points], fontsize=7)
        ax.yaxis.set_major_formatter(lambda v, _pos: _wan(v))
        ax.set_ylim(min(ys) * 0.95, max(ys) * 1.05 if max(ys) else 1)

    return _svg(draw, 17.0, 4.6, {"left": 0.09, "right": 0.99, "top": 0.95, "bottom": 0.14})


# ------------------------------------------------------------------ the document

RISK_NOTICE = (
    "理财非存款、产品有风险、投资须谨慎。本报告依据截至报告日本行记录的持仓数据编制，仅供参考，不构成投资建议，"
    "也不构成对任何收益的承诺或保证；产品过往业绩不代表其未来表现，业绩比较基准不代表产品的实际收益。"
    "购买任何产品前，请仔细阅读产品说明书和风险揭示书，了解产品的风险与费用，根据自身的风险承受能力审慎决策。"
    "存款受《存款保险条例》保护；理财产品、基金、保险等非存款产品不受存款保险保障。"
)

STATUS_WORDS = {
    "take_profit": "已达止盈线",
    "stop_loss": "已达止损线",
    "below_expected": "低于业绩比较基准",
    "on_track": "正常",
    "fixed": "按约定利率",
    "unknown": "—",
}


def manager_contact(staff) -> dict:
    """The manager's name and work contact as the report prints them: the work mobile or phone
    when the staff record keeps one, the work email, the branch."""
    if staff is None:
        return {"name": "", "phone": "", "email": "", "branch": ""}
    phone = ""
    for attr in ("work_phone", "mobile", "phone"):
        phone = getattr(staff, attr, "") or ""
        if phone:
            break
    branch = staff.branch.name if getattr(staff, "branch_id", None) else ""
    return {"name": staff.display_name, "phone": phone, "email": staff.email or "", "branch": branch}


def report_context(customer, d: Diagnosis, *, manager=None, bank_name: str | None = None) -> dict:
    return {
        "c": customer,
        "title": customer_title(customer.name, customer.gender),
        "d": d,
        "bank_name": bank_name or settings.BANYAN_BANK_NAME,
        "manager": manager_contact(manager or customer.rm),
        "as_of_text": f"{d.as_of.year}年{d.as_of.month}月{d.as_of.day}日",
        "charts": {"allocation": allocation_chart(d), "ladder": ladder_chart(d), "trend": trend_chart(d)},
        "returns": [(r, STATUS_WORDS.get(r.status, r.status)) for r in d.returns],
        "risk_notice": RISK_NOTICE,
        "next_maturities": d.maturities.items[:8],
    }


def _weasyprint():
    try:
        import weasyprint
    except OSError as e:  # the Python package is there, Pango is not
        raise PdfUnavailable(
            "PDF reports need Pango from the system: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            f"fonts-noto-cjk ({e})") from e
    return weasyprint


_FONTS = threading.local()


def render_pdf(html: str) -> bytes:
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    # One font configuration per thread, kept: Pango's font map is built once, not per PDF.
    fonts = getattr(_FONTS, "config", None)
    if fonts is None:
        fonts = _FONTS.config = FontConfiguration()
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=fonts)


def diagnosis_html(customer, d: Diagnosis, *, manager=None) -> str:
    with translation.override("zh-hans"):
        return render_to_string("wealth/diagnosis_pdf.html", report_context(customer, d, manager=manager))


def diagnosis_pdf(customer, *, as_of: dt.date, manager=None) -> bytes:
    """The customer's report as PDF bytes (A4, Chinese): the diagnosis is made in Chinese too (its
    findings are words)."""
    from banyan.wealth.diagnosis import diagnose

    with translation.override("zh-hans"):
        d = diagnose(customer, as_of=as_of)
        html = render_to_string("wealth/diagnosis_pdf.html", report_context(customer, d, manager=manager))
    return render_pdf(html)


def pdf_filename(customer, as_of: dt.date) -> str:
    """财富诊断-C000000123-2026-11-23.pdf: the customer number, not the name (a file name travels)."""
    return f"财富诊断-{customer.external_id}-{as_of.isoformat()}.pdf"


def attachment(name: str) -> str:
    """A Content-Disposition for a download named in Chinese: an ASCII fallback and the UTF-8 name."""
    from urllib.parse import quote

    fallback = name.encode("ascii", "ignore").decode().strip("-") or "report.pdf"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"

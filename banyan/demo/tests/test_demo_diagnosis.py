"""The wealth diagnosis is alive on the demo bank (issue 11 §3 and §7): the model portfolios, the
monthly spending the managers have recorded, the page of a priority customer, and the PDF a manager
hands the customer — its Chinese read back, its first page rendered as the customer sees it."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from banyan.customers.models import Customer
from banyan.demo.tests.test_demo import TODAY, _build, _empty_database, demo, demo_bank  # noqa: F401 (fixtures)
from banyan.org.models import Staff
from banyan.wealth.diagnosis import diagnose
from banyan.wealth.models import CustomerSpending, ModelPortfolio

pytestmark = pytest.mark.django_db


def _priority_customer() -> Customer:
    return (Customer.objects.filter(rm__username="zhangmin", segment__is_priority=True, spending__isnull=False)
            .exclude(risk_level="").order_by("-aum").first())


def test_the_demo_has_model_portfolios_and_most_customers_spending(demo):  # noqa: F811
    assert ModelPortfolio.objects.count() == 5
    share = CustomerSpending.objects.count() / Customer.objects.count()
    assert 0.5 < share < 0.8
    statuses = {diagnose(c, as_of=TODAY, with_offers=False).liquidity.status
                for c in Customer.objects.filter(rm__username="zhangmin")}
    assert {"unknown", "short", "ok"} <= statuses  # the liquidity rule speaks on the first morning


def test_a_demo_customers_page_and_pdf(demo, client, tmp_path):  # noqa: F811
    from pypdf import PdfReader

    customer = _priority_customer()
    client.force_login(Staff.objects.get(username="zhangmin"))
    page = client.get(f"/wealth/customers/{customer.pk}/diagnosis/?date={TODAY}")
    assert page.status_code == 200 and "资产配置与目标" in page.content.decode()
    answer = client.get(f"/wealth/customers/{customer.pk}/diagnosis.pdf?date={TODAY}")
    assert answer.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages).replace(" ", "")
    title = customer.name[:1] + ("先生" if customer.gender == "M" else "女士")
    assert f"尊敬的{title}" in text and "榕树银行" in text and "张敏" in text
    assert "理财非存款、产品有风险、投资须谨慎" in text and "2026年11月23日" in text
    if shutil.which("pdftoppm") is None:
        return
    pdf = tmp_path / "demo.pdf"
    pdf.write_bytes(answer.content)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2
    from PIL import Image

    first = Image.open(pages[0]).convert("RGB")
    assert len(first.getcolors(maxcolors=1_000_000)) > 50  # text, tables and charts: not a blank page

"""The wealth diagnosis (财富诊断, WEA-2): its figures on a small bank, the page, the API, the PDF
handed to the customer, the batch of a manager's priority customers, and the model portfolios."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.conftest import TODAY
from banyan.holdings.models import AumSnapshot
from banyan.holdings.services import holding_create, nav_record, product_create
from banyan.segments.models import CustomerSegment
from banyan.wealth.diagnosis import diagnose
from banyan.wealth.diagnosis_services import customer_spending_set, model_portfolio_update
from banyan.wealth.models import BatchStatus, DiagnosisBatch, ModelPortfolio

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shelf(bank):
    """More of the catalogue: a demand deposit, a T+0 cash product, an R4 fund with a NAV."""
    demand = product_create(actor=None, code="DD", name="个人活期储蓄", type="demand_deposit", risk_level="R1",
                            expected_yield="0.10")
    cash = product_create(actor=None, code="WM-T0", name="天天利现金管理", type="wealth", risk_level="R1",
                          expected_yield="1.65", issuer="本行理财子公司")
    equity = product_create(actor=None, code="F300", name="沪深300指数增强", type="fund", risk_level="R4",
                            issuer="富国基金")
    nav_record(actor=None, product=equity, date=TODAY - dt.timedelta(days=1), nav="1.2000")
    return type("Shelf", (), {"demand": demand, "cash": cash, "equity": equity})


@pytest.fixture
def wang(bank, make_customer, shelf):
    """王建国 (C3, assessed 100 days ago), zhangmin's customer: 1,000,000 in all —
    demand 40,000 + cash 40,000 (liquid 80,000), a time deposit of 500,000 maturing in 20 days,
    a wealth product of 200,000 maturing in 75 days, a fund (R3) of 100,000, an R4 fund bought for
    100,000 when he was C4 and now worth 120,000 (NAV 1.2); and a loan that is no asset."""
    c = make_customer(bank.rm_a, name="王建国", male=True, risk_level="C3",
                      risk_assessed_on=TODAY - dt.timedelta(days=100), other_bank_assets="300000")
    p = bank.products
    holding_create(actor=None, customer=c, product=shelf.demand, amount="40000", purchase_date="2020-01-01")
    holding_create(actor=None, customer=c, product=shelf.cash, amount="40000", purchase_date="2025-01-01")
    holding_create(actor=None, customer=c, product=p.deposit, amount="500000", purchase_date="2023-12-13",
                   maturity_date=TODAY + dt.timedelta(days=20))
    holding_create(actor=None, customer=c, product=p.wealth, amount="200000", purchase_date="2026-06-01",
                   maturity_date=TODAY + dt.timedelta(days=75))
    holding_create(actor=None, customer=c, product=p.fund, amount="100000", purchase_date="2025-06-01",
                   cost_price="1.2500", units="80000", expected_return_pct="6", take_profit_pct="15",
                   stop_loss_pct="10")
    holding_create(actor=None, customer=c, product=shelf.equity, amount="100000", purchase_date="2025-11-23",
                   cost_price="1.0000", units="100000", take_profit_pct="15",
                   risk_level_at_sale="C4")
    holding_create(actor=None, customer=c, product=p.loan, amount="800000", purchase_date="2020-01-01")
    c.refresh_from_db()
    return c


# ------------------------------------------------------------------ the figures

def test_allocation_sums_to_aum_against_the_model_of_the_customers_level(wang):
    d = diagnose(wang)
    assert d.aum == D("1000000.00") == wang.aum  # the loan is no asset
    assert sum(s.amount for s in d.allocation) == d.aum
    assert sum(s.amount for s in d.allocation_by_class) == d.aum
    by_risk = {s.key: s for s in d.allocation}
    assert by_risk["R1"].amount == D("580000") and by_risk["R1"].pct == D("58.0")
    assert by_risk["R4"].amount == D("120000")
    # C3's default model: R1 30, R2 40, R3 30, nothing above the level
    assert [by_risk[k].target_pct for k in ("R1", "R2", "R3", "R4", "R5")] == [30, 40, 30, 0, 0]
    by_class = {s.key: s for s in d.allocation_by_class}
    assert by_class["deposit"].amount == D("540000") and by_class["deposit"].target_pct == 25
    assert by_class["fund"].amount == D("220000")
    assert d.model.risk_level == "C3"
    assert d.other_bank_assets == D("300000") and d.total_known == D("1300000")
    codes = [f.code for f in d.findings]
    assert "allocation_gap" in codes  # 58 % R1 against a target of 30 %


def test_liquidity_waits_for_the_spending_the_manager_records(wang, bank):
    d = diagnose(wang)
    assert d.liquidity.liquid == D("80000")  # demand deposit + the T+0 product
    assert d.liquidity.status == "unknown" and d.liquidity.months_covered is None
    assert d.liquidity.maturing_30 == D("500000") and d.liquidity.maturing_90 == D("700000")
    assert "spending_unknown" in [f.code for f in d.findings]

    customer_spending_set(actor=bank.rm_a, customer=wang, monthly="40000")
    d = diagnose(wang)
    assert d.liquidity.months_covered == D("2.0") and d.liquidity.status == "short"
    assert d.liquidity.need_min == D("120000.00") and d.liquidity.need_max == D("240000.00")
    customer_spending_set(actor=bank.rm_a, customer=wang, monthly="10000")
    assert diagnose(wang).liquidity.status == "idle"  # 8 months, above the six advised
    customer_spending_set(actor=bank.rm_a, customer=wang, monthly="")
    assert diagnose(wang).liquidity.status == "unknown"
    events = AuditEvent.objects.filter(action="customer.spending_recorded", customer_id=wang.pk)
    assert events.count() == 3


def test_spending_is_refused_in_the_banks_words(wang, bank):
    from django.core.exceptions import ValidationError

    for bad in ("-5", "0", "abc", "1e12", "12.345"):
        with pytest.raises(ValidationError) as e:
            customer_spending_set(actor=bank.rm_a, customer=wang, monthly=bad)
        assert "monthly" in e.value.message_dict


def test_maturity_ladder_by_month_and_quarter(wang):
    d = diagnose(wang)
    months = d.maturities.by_month
    assert len(months) == 12 and months[0].label == "2026-11"
    assert months[0].amount == D("0") and months[1].label == "2026-12"
    assert months[1].amount == D("500000")  # 2026-12-13
    by_label = {b.label: b.amount for b in months}
    assert by_label["2027-02"] == D("200000") and by_label["2027-01"] == D("0")
    quarters = {b.label: b.amount for b in d.maturities.by_quarter}
    assert quarters == {"2026Q4": D("500000"), "2027Q1": D("200000"), "2027Q2": D("0"), "2027Q3": D("0")}
    assert [m.product_code for m in d.maturities.items] == ["TD3Y", "W180"]


def test_as_of_moves_the_windows(wang):
    later = diagnose(wang, as_of=TODAY + dt.timedelta(days=30))
    assert later.maturities.next_30 == D("0")  # the deposit matured before that day
    assert later.maturities.next_90 == D("200000")
    assert [m.product_code for m in later.maturities.items] == ["W180"]
    before = diagnose(wang, as_of=dt.date(2025, 1, 1))  # only what was bought by then
    assert {r.product_code for r in before.returns} == {"DD", "WM-T0", "TD3Y"}


def test_returns_against_expectation_and_the_customers_band(wang, bank):
    d = diagnose(wang)
    by_code = {r.product_code: r for r in d.returns}
    equity = by_code["F300"]
    assert equity.return_pct == D("20.00") and equity.status == "take_profit"  # NAV 1.2 on a cost of 1.0
    assert by_code["TD3Y"].status == "fixed" and by_code["TD3Y"].return_pct is None
    # a wealth product whose NAV was never published is not valued: unknown, not "0.00 %, below expected"
    assert by_code["W180"].return_pct is None and by_code["W180"].status == "unknown"
    nav_record(actor=None, product=bank.products.fund, date=TODAY, nav="1.1000")
    fund = {r.product_code: r for r in diagnose(wang).returns}["F001"]
    assert fund.return_pct == D("-12.00") and fund.status == "stop_loss"
    assert fund.expected_pct == D("6")
    codes = [f.code for f in diagnose(wang).findings]
    assert "take_profit" in codes and "stop_loss" in codes


def test_concentration_names_the_largest_product_issuer_and_holding(wang):
    c = diagnose(wang).concentration
    assert c.product.code == "TD3Y" and c.product.pct == D("50.0") and not c.product.concentrated
    assert c.issuer.name == "本行理财子公司" or c.issuer.name == "富国基金"
    assert c.holding.amount == D("500000")
    assert c.products == 6


def test_gaps_drift_above_level_and_the_assessment(wang, bank, make_customer, shelf):
    d = diagnose(wang)
    assert [(g.code, g.product_code) for g in d.gaps] == [("drift", "F300")]  # sold at C4, now C3
    assert "drift" in [f.code for f in d.findings]

    fed = make_customer(bank.rm_a, name="李娜", male=False, risk_level="C2",
                        risk_assessed_on=TODAY - dt.timedelta(days=400))
    holding_create(actor=None, customer=fed, product=bank.products.fund, amount="50000", purchase_date="2024-01-01")
    gaps = [g.code for g in diagnose(fed).gaps]
    assert gaps == ["assessment_expired", "above_level"]  # fed from core banking above C2

    never = make_customer(bank.rm_a, name="赵强")
    holding_create(actor=None, customer=never, product=bank.products.wealth, amount="10000",
                   purchase_date="2026-01-01")
    d = diagnose(never)
    assert [g.code for g in d.gaps] == ["no_assessment"]
    assert d.model is None and all(s.target_pct is None for s in d.allocation)

    soon = make_customer(bank.rm_a, name="钱多", risk_level="C3", risk_assessed_on=TODAY - dt.timedelta(days=350))
    holding_create(actor=None, customer=soon, product=bank.products.fund, amount="10000", purchase_date="2026-01-01")
    assert [g.code for g in diagnose(soon).gaps] == ["assessment_expiring"]


def test_a_fixed_number_of_queries_whatever_the_holdings(wang, bank, shelf, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as few:
        diagnose(wang, with_offers=False)  # the offers (WEA-4) count their own
    for _ in range(20):
        holding_create(actor=None, customer=wang, product=shelf.equity, amount="1000", purchase_date="2026-01-02")
    with django_assert_max_num_queries(len(few.captured_queries)):
        diagnose(wang, with_offers=False)


# ------------------------------------------------------------------ the API

def test_api_answers_api_md_shape_in_decimal_strings(wang, bank, client):
    from banyan.org.services import api_token_issue

    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(staff=bank.rm_a)}"}
    body = client.get(f"/api/v1/customers/{wang.pk}/diagnosis", **auth).json()
    assert {"as_of", "aum", "allocation", "liquidity", "concentration", "maturities", "gaps", "offers"} <= set(body)
    assert body["as_of"] == TODAY.isoformat() and body["aum"] == "1000000.00"
    assert body["allocation"][0] == {"risk_level": "R1", "amount": "580000.00", "pct": "58.0", "target_pct": "30.0"}
    assert sum(D(a["amount"]) for a in body["allocation"]) == D(body["aum"])
    assert body["liquidity"]["liquid"] == "80000.00" and body["liquidity"]["status"] == "unknown"
    assert body["maturities"]["next_30"] == "500000.00"
    assert body["gaps"][0]["code"] == "drift" and isinstance(body["offers"], list)
    dated = client.get(f"/api/v1/customers/{wang.pk}/diagnosis?date=2026-12-23", **auth).json()
    assert dated["as_of"] == "2026-12-23" and dated["maturities"]["next_30"] == "0.00"
    assert client.get(f"/api/v1/customers/{wang.pk}/diagnosis?date=2026-13-01", **auth).status_code == 422


def test_another_manager_gets_404_on_the_api_page_and_pdf(wang, bank, login, client):
    from banyan.org.services import api_token_issue

    other = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(staff=bank.rm_b)}"}
    assert client.get(f"/api/v1/customers/{wang.pk}/diagnosis", **other).status_code == 404
    assert client.get(f"/api/v1/customers/{wang.pk}/diagnosis.pdf", **other).status_code == 404
    lihua = login(bank.rm_b)
    assert lihua.get(f"/wealth/customers/{wang.pk}/diagnosis/").status_code == 404
    assert lihua.get(f"/wealth/customers/{wang.pk}/diagnosis.pdf").status_code == 404
    assert lihua.post(f"/wealth/customers/{wang.pk}/diagnosis/spending/", {"monthly": "1"}).status_code == 404
    assert not AuditEvent.objects.filter(actor=bank.rm_b, customer_id=wang.pk).exists()


# ------------------------------------------------------------------ the page

def test_the_page_shows_the_figures_and_records_the_spending(wang, bank, login):
    zhangmin = login(bank.rm_a)
    file_page = zhangmin.get(f"/customers/{wang.pk}/").content.decode()
    assert f"/wealth/customers/{wang.pk}/diagnosis/" in file_page  # the button next to the visit brief
    page = zhangmin.get(f"/wealth/customers/{wang.pk}/diagnosis/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "¥1,000,000.00" in text and 'id="chart-classes"' in text and "diagnosis-data" in text
    assert 'data-code="drift"' in text and 'data-code="spending_unknown"' in text
    assert AuditEvent.objects.filter(action="customer.viewed", customer_id=wang.pk, detail="diagnosis").exists()

    answer = zhangmin.post(f"/wealth/customers/{wang.pk}/diagnosis/spending/", {"monthly": "25000"})
    assert answer.status_code == 302
    text = zhangmin.get(answer["Location"]).content.decode()
    assert 'id="months-covered">3.2<' in text and "spending_unknown" not in text
    refused = zhangmin.post(f"/wealth/customers/{wang.pk}/diagnosis/spending/", {"monthly": "-3"})
    assert refused.status_code == 400 and "¥25,000.00" in refused.content.decode()


def test_the_page_in_chinese_reads_as_a_bank_would(wang, bank, login):
    text = login(bank.rm_a).get(f"/wealth/customers/{wang.pk}/diagnosis/").content.decode()
    for words in ("财富诊断", "资产配置与目标", "到期分布", "流动性", "集中度", "理财产品"):
        assert words in text, words


# ------------------------------------------------------------------ the PDF

def _pdf_text(data: bytes) -> tuple[str, object]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_the_pdf_is_chinese_with_its_charts_and_audited_once(wang, bank, login, settings):
    settings.BANYAN_BANK_NAME = "榕树银行"
    answer = login(bank.rm_a).get(f"/wealth/customers/{wang.pk}/diagnosis.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in answer["Content-Disposition"]
    text, reader = _pdf_text(answer.content)
    flat = text.replace(" ", "").replace("\n", "")
    assert "尊敬的王先生" in flat  # surname and title, not the full name in the greeting
    assert "榕树银行" in flat and "财富诊断报告" in flat and "张敏" in flat
    assert "理财非存款、产品有风险、投资须谨慎" in flat
    assert "¥1,000,000.00" in flat
    # the three charts, drawn on the server: their labels are in the PDF (allocation, ladder, trend)
    assert "按资产类别" in flat and "按产品风险等级" in flat and "当前占比" in flat and "目标占比" in flat
    assert "2026年" in flat and "12月" in flat  # the ladder's months
    images = sum(len(list(page.images)) for page in reader.pages)
    forms = sum(1 for page in reader.pages for x in (page["/Resources"].get("/XObject") or {}).values()
                if x.get_object().get("/Subtype") == "/Form")
    assert forms + images >= 3
    assert "承诺" in flat and "保证收益" not in flat  # no promised return: only the notice speaks of promises
    events = AuditEvent.objects.filter(action="customer.exported", customer_id=wang.pk)
    assert events.count() == 1 and events.get().data["via"] == "diagnosis_pdf"


def test_the_pdf_through_the_api_declares_its_type_and_is_audited(wang, bank, client):
    from banyan.org.services import api_token_issue

    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(staff=bank.rm_a)}"}
    answer = client.get(f"/api/v1/customers/{wang.pk}/diagnosis.pdf?date=2026-11-30", **auth)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert "2026年11月30日" in _pdf_text(answer.content)[0].replace(" ", "")
    event = AuditEvent.objects.get(action="customer.exported", customer_id=wang.pk)
    assert event.data == {"via": "api_diagnosis_pdf", "count": 1, "filter": {"date": "2026-11-30"}}
    schema = client.get("/api/v1/openapi.json").json()
    pdf = schema["paths"]["/api/v1/customers/{id}/diagnosis.pdf"]["get"]["responses"]["200"]
    assert list(pdf["content"]) == ["application/pdf"]


def test_a_customer_without_assets_still_gets_a_report_with_a_compound_surname(bank, make_customer, login):
    from banyan.wealth.report import customer_title

    c = make_customer(bank.rm_a, name="欧阳娜娜", male=False, gender="F")
    text, _reader = _pdf_text(login(bank.rm_a).get(f"/wealth/customers/{c.pk}/diagnosis.pdf").content)
    flat = text.replace(" ", "")
    assert "尊敬的欧阳女士" in flat and "暂无持仓" in flat
    assert customer_title("欧阳娜娜", "") == "欧阳娜娜"  # no gender known: the full name, no guessed title


# ------------------------------------------------------------------ the batch

def _priority(*customers):
    now = timezone.now()
    for c in customers:
        CustomerSegment.objects.update_or_create(customer=c, defaults={
            "quadrant": "high_high", "frequency_days": 7, "orientation": "value", "potential_score": 50,
            "value_rank": 1, "is_priority": True, "computed_at": now})


def test_the_batch_makes_a_zip_of_the_priority_customers_audited_as_one_export(wang, bank, make_customer, login,
                                                                               settings):
    settings.BANYAN_BATCH_THREAD = False  # in the request, like a feed without a broker
    second = make_customer(bank.rm_a, name="周敏", male=False)
    not_priority = make_customer(bank.rm_a, name="吴昊")
    others = make_customer(bank.rm_b, name="郑爽")
    _priority(wang, second, others)
    zhangmin = login(bank.rm_a)
    assert "2" in zhangmin.get("/wealth/diagnosis/batches/").content.decode()
    answer = zhangmin.post("/wealth/diagnosis/batches/", {"date": TODAY.isoformat()})
    batch = DiagnosisBatch.objects.get(owner=bank.rm_a)
    assert answer["Location"] == f"/wealth/diagnosis/batches/{batch.pk}/"
    assert batch.status == BatchStatus.DONE and batch.done == batch.total == 2
    status = zhangmin.get(f"/wealth/diagnosis/batches/{batch.pk}/status/").content.decode()
    assert 'data-status="done"' in status and "hx-trigger" not in status  # the polling stops
    assert not AuditEvent.objects.filter(action="customer.exported").exists()  # nothing left the bank yet

    download = zhangmin.get(f"/wealth/diagnosis/batches/{batch.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    assert names == sorted(f"财富诊断-{c.external_id}-{TODAY}.pdf" for c in (wang, second))
    assert "尊敬的王先生" in _pdf_text(archive.read(f"财富诊断-{wang.external_id}-{TODAY}.pdf"))[0].replace(" ", "")
    event = AuditEvent.objects.get(action="customer.exported")
    assert event.data["via"] == "diagnosis_batch" and event.data["count"] == 2
    assert set(AuditEventCustomer.objects.filter(event=event).values_list("customer_id", flat=True)) == {
        wang.pk, second.pk}
    assert not_priority.pk not in batch.customer_ids and others.pk not in batch.customer_ids


def test_another_manager_gets_404_on_a_batch_and_a_branch_head_makes_none(wang, bank, login, settings):
    settings.BANYAN_BATCH_THREAD = False
    _priority(wang)
    login(bank.rm_a).post("/wealth/diagnosis/batches/", {})
    batch = DiagnosisBatch.objects.get(owner=bank.rm_a)
    lihua = login(bank.rm_b)
    for path in ("", "status/", "download/"):
        assert lihua.get(f"/wealth/diagnosis/batches/{batch.pk}/{path}").status_code == 404
    assert login(bank.head).post("/wealth/diagnosis/batches/", {}).status_code == 403
    assert not AuditEvent.objects.filter(action="customer.exported").exists()


def test_an_assistant_makes_the_batch_of_the_managers_book(wang, bank, login, settings):
    settings.BANYAN_BATCH_THREAD = False
    _priority(wang)
    login(bank.assistant).post("/wealth/diagnosis/batches/", {})
    assert DiagnosisBatch.objects.get(owner=bank.assistant).customer_ids == [wang.pk]


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_batch_runs_in_a_thread_and_the_page_polls(wang, bank, login):
    """The manager's page comes back at once; the job goes on in the background and finishes."""
    import threading
    import time

    _priority(wang)
    login(bank.rm_a).post("/wealth/diagnosis/batches/", {})
    batch = DiagnosisBatch.objects.get(owner=bank.rm_a)
    for thread in threading.enumerate():
        if thread.name == f"diagnosis-batch-{batch.pk}":
            thread.join(timeout=120)
    deadline = time.monotonic() + 5
    while DiagnosisBatch.objects.get(pk=batch.pk).status != BatchStatus.DONE and time.monotonic() < deadline:
        time.sleep(0.1)
    assert DiagnosisBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE


# ------------------------------------------------------------------ the model portfolios

def test_model_portfolios_ship_for_every_level_and_keep_within_it():
    rows = {m.risk_level: m for m in ModelPortfolio.objects.all()}
    assert sorted(rows) == ["C1", "C2", "C3", "C4", "C5"]
    for level, m in rows.items():
        n = int(level[1])
        assert sum(m.risk_target(f"R{k}") for k in range(1, 6)) == 100
        assert all(m.risk_target(f"R{k}") == 0 for k in range(n + 1, 6))
        assert m.liquid_months_min == 3 and m.liquid_months_max == 6
    c2 = rows["C2"]
    c2.r3_pct, c2.r2_pct = 10, 40
    with pytest.raises(IntegrityError), transaction.atomic():
        c2.save()  # above the level: the database refuses it too


def test_an_administrator_edits_a_model_portfolio_and_the_diagnosis_follows(wang, bank, login):
    from django.core.exceptions import ValidationError

    c3 = ModelPortfolio.objects.get(risk_level="C3")
    with pytest.raises(ValidationError) as e:
        model_portfolio_update(actor=bank.admin, portfolio=c3, data={"r1_pct": 50, "r4_pct": 10})
    assert set(e.value.message_dict) == {"r1_pct", "r4_pct"}
    admin = login(bank.admin)
    form = {f"p{c3.pk}-{k}": v for k, v in {
        "name": "平衡型配置", "name_en": "Balanced", "note": "", "r1_pct": 60, "r2_pct": 20, "r3_pct": 20, "r4_pct": 0,
        "r5_pct": 0, "deposit_pct": 25, "wealth_pct": 30, "fund_pct": 20, "bond_pct": 10, "insurance_pct": 10,
        "precious_metal_pct": 5, "liquid_months_min": 3, "liquid_months_max": 12}.items()}
    assert admin.post(f"/wealth/settings/model-portfolios/{c3.pk}/", form).status_code == 302
    d = diagnose(wang)
    assert {s.key: s.target_pct for s in d.allocation}["R1"] == 60 and d.liquidity.months_max == 12
    assert AuditEvent.objects.filter(action="settings.model_portfolio_changed").count() == 1
    form[f"p{c3.pk}-r1_pct"] = 70
    refused = admin.post(f"/wealth/settings/model-portfolios/{c3.pk}/", form)
    assert refused.status_code == 400 and "110" in refused.content.decode()
    head = login(bank.head)
    assert head.get("/wealth/settings/model-portfolios/").status_code == 200  # reads
    assert head.post(f"/wealth/settings/model-portfolios/{c3.pk}/", form).status_code == 403
    assert login(bank.rm_a).get("/wealth/settings/model-portfolios/").status_code == 403


def test_the_trend_reads_the_month_ends_up_to_the_date(wang):
    for months_back, aum in ((3, "900000"), (2, "950000"), (1, "980000")):
        AumSnapshot.objects.create(customer=wang, date=dt.date(2026, 11 - months_back, 28), aum=aum)
    assert [a for _d, a in diagnose(wang).trend] == [D("900000"), D("950000"), D("980000")]
    assert len(diagnose(wang, as_of=dt.date(2026, 9, 30)).trend) == 2


# ------------------------------------------------------------------ the system it needs

def test_page_one_renders_with_its_chinese_and_charts(wang, bank, login, tmp_path):
    """Page 1 rendered as the customer sees it (pdftoppm): not blank, and in colour where the
    allocation chart is drawn (the house green), as looked at by hand when it was made."""
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils is installed by make test")
    from PIL import Image

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(login(bank.rm_a).get(f"/wealth/customers/{wang.pk}/diagnosis.pdf").content)
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    greens = sum(n for n, (r, g, b) in colours if g > r + 25 and g > b - 10 and g < 140)
    assert len(colours) > 50 and greens > 500


def test_make_run_names_the_missing_pdf_packages_and_goes_on():
    """On a machine without Pango `make run` still serves the app; it names the apt-get line."""
    import os
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun: setup\n", 1)[1].split("\n\n", 1)[0]
    assert "-@BANYAN_SYSTEM_PACKAGES=" in run and "libpango-1.0-0 libpangoft2-1.0-0" in run  # '-': errors ignored
    if shutil.which("dpkg") is None or shutil.which("setpriv") is None:
        return
    env = {**os.environ, "BANYAN_SYSTEM_PACKAGES": "no-such-pango-banyan", "BANYAN_SYSTEM_PACKAGES_FOR": "make run"}
    command = ["sh", str(root / "banyan" / "testing" / "system-packages.sh")]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    answer = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert answer.returncode == 1
    assert "make run needs these system packages first: no-such-pango-banyan" in answer.stderr

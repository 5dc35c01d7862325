"""The feed upload page (/feeds/): admins only, the same code path as the command."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer


def _csv(rows) -> bytes:
    lines = [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("gbk")


@pytest.fixture
def uploads(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "feeds"


def test_an_admin_uploads_a_gbk_customers_file_and_sees_counts_and_rejects(bank, client, uploads):
    # given
    good = make_resident_id("110101", dt.date(1980, 1, 2), 11)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    data = _csv([["客户号", "姓名", "证件号码", "客户经理"], ["U1", "甲", good, "zhangmin"],
                 ["U2", "乙", bad, "lihua"]])
    client.force_login(bank.admin)

    # when
    page = client.post("/feeds/", {"kind": "customers", "file": SimpleUploadedFile("客户.csv", data)})

    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert "added 1, updated 0, unchanged 0, rejected 1" in text and "导入数据文件" in text
    assert "第 3 行：证件号码：" in text
    assert Customer.objects.filter(external_id="U1").exists() and not Customer.objects.filter(external_id="U2").exists()
    name = next(uploads.glob("*.rejects.csv")).name.removesuffix(".rejects.csv")
    download = client.get(f"/feeds/rejects/{name}")
    rows = list(csv.reader(b"".join(download.streaming_content).decode("utf-8-sig").splitlines()))
    assert rows[0][:2] == ["line", "reason"] and rows[1][0] == "3" and rows[1][2] == "U2"


def test_a_file_without_the_key_column_is_refused_on_the_page(bank, client, uploads):
    client.force_login(bank.admin)
    page = client.post("/feeds/", {"kind": "customers", "file": SimpleUploadedFile("x.csv", _csv([["姓名"], ["甲"]]))})
    assert page.status_code == 200 and "关键列" in page.content.decode() and "x.csv" in page.content.decode()


def test_managers_do_not_reach_the_feed_page_or_the_rejects(bank, client, uploads):
    client.force_login(bank.rm_a)
    assert client.get("/feeds/").status_code == 404
    assert client.post("/feeds/", {"kind": "customers"}).status_code == 404
    assert client.get("/feeds/rejects/20261123-000000-00000000.csv").status_code == 404

"""A share in a customer group from the content library (OUT-7): an approved, still valid piece is
shared as its short text (kind "library", `content_ref` the piece); a draft, an expired or a
retired piece is refused at the field — by the service, the page and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.conftest import TODAY
from banyan.org.services import api_token_issue
from banyan.outreach.content import content_piece_approve, content_piece_create, content_piece_new_version
from banyan.outreach.content_models import ContentPiece
from banyan.service.group_services import group_create, group_member_add, group_share_record
from banyan.service.models.groups import GroupShare

pytestmark = pytest.mark.django_db

SHORT = "定投分散买入时点，长期坚持更从容。投资有风险。"


def _piece(bank, *, title="基金定投的微笑曲线", approve=True, actor=None):
    piece = content_piece_create(actor=actor or bank.rm_a, kind="knowledge", title=title,
                                 body="定投分散了买入时点，市场下跌时同样的金额买到更多份额。投资有风险，定投不能保证盈利。",
                                 short=SHORT, valid_until=TODAY + dt.timedelta(days=30))
    return content_piece_approve(actor=bank.head, piece=piece) if approve else piece


@pytest.fixture
def salon(bank, make_customer):
    group = group_create(actor=bank.rm_a, name="城东理财沙龙", kind="salon")
    group_member_add(actor=bank.rm_a, group=group, customer=make_customer(bank.rm_a, name="王建国"),
                     consent_channel="paper")
    return group


def test_an_approved_piece_is_shared_as_its_short_text_and_cannot_be_deleted_under_the_share(bank, salon):
    piece = _piece(bank)
    share = group_share_record(actor=bank.rm_a, group=salon, piece_id=piece.pk)
    assert share.kind == "library" and share.content_ref == piece and share.text == SHORT
    assert share.recipients.count() == 1
    assert AuditEvent.objects.get(action="group.shared").after["piece"] == piece.pk
    assert list(piece.group_shares.all()) == [share]
    with pytest.raises(ProtectedError):  # the record of what reached the members keeps its piece
        ContentPiece.objects.filter(pk=piece.pk).delete()
    # free text keeps its rule: no promised return
    with pytest.raises(ValidationError) as refused:
        group_share_record(actor=bank.rm_a, group=salon, text="稳赚不赔的好产品")
    assert "稳赚不赔" in refused.value.message_dict["text"][0]


def test_a_draft_an_expired_a_retired_or_an_unreachable_piece_is_refused_at_the_field(bank, salon):
    draft = _piece(bank, title="草稿", approve=False)
    expired = _piece(bank, title="过期")
    ContentPiece.objects.filter(pk=expired.pk).update(valid_until=TODAY - dt.timedelta(days=1))
    retired = _piece(bank, title="旧版")
    content_piece_approve(actor=bank.head, piece=content_piece_new_version(actor=bank.rm_a, piece=retired))
    other_branch = content_piece_approve(actor=bank.admin, piece=_piece(bank, title="城西支行的", actor=bank.rm_c,
                                                                         approve=False))
    for piece, words in ((draft, "等待审批"), (expired, "已于"), (retired, "新版本替代"),
                         (other_branch, "内容库中没有")):
        with pytest.raises(ValidationError) as refused:
            group_share_record(actor=bank.rm_a, group=salon, piece_id=piece.pk)
        assert set(refused.value.message_dict) == {"piece_id"}, piece.title
        assert words in refused.value.message_dict["piece_id"][0], piece.title
    with pytest.raises(ValidationError) as both:
        group_share_record(actor=bank.rm_a, group=salon, piece_id=_piece(bank, title="新").pk, text="另写一段")
    assert set(both.value.message_dict) == {"text"}
    assert not GroupShare.objects.exists()


def test_the_group_page_offers_the_approved_pieces_and_records_one(bank, login, salon):
    piece = _piece(bank)
    draft = _piece(bank, title="还在审批的草稿", approve=False)
    client = login(bank.rm_a)
    page = client.get(f"/service/groups/{salon.pk}/").content.decode()
    assert f'<option value="{piece.pk}">' in page and "基金定投的微笑曲线" in page
    assert "还在审批的草稿" not in page
    assert "从内容库选择" in page  # Chinese first
    refused = client.post(f"/service/groups/{salon.pk}/shares/", {"piece": str(draft.pk)})
    assert refused.status_code == 422 and "等待审批" in refused.content.decode()
    done = client.post(f"/service/groups/{salon.pk}/shares/", {"piece": str(piece.pk)})
    assert done.status_code == 302
    share = GroupShare.objects.get()
    assert share.kind == "library" and share.content_ref_id == piece.pk
    shown = client.get(f"/service/groups/{salon.pk}/").content.decode()
    assert "内容库" in shown and SHORT in shown


def test_the_api_takes_a_piece_id_and_refuses_a_draft_at_that_field(bank, salon):
    piece, draft = _piece(bank), _piece(bank, title="草稿", approve=False)
    client, token = Client(), api_token_issue(staff=bank.rm_a)

    def post(body):
        return client.post(f"/api/v1/groups/{salon.pk}/shares", json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")

    done = post({"piece_id": piece.pk})
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["kind"] == "library" and body["content_ref"] == piece.pk and body["text"] == SHORT
    refused = post({"piece_id": draft.pk})
    assert refused.status_code == 422 and "piece_id" in refused.json()["error"]["fields"]
    nothing = post({})
    assert nothing.status_code == 422 and "text" in nothing.json()["error"]["fields"]
    assert post({"piece_id": None}).status_code == 422  # left out, not null
    assert GroupShare.objects.count() == 1

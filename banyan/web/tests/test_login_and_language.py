from django.conf import settings
from django.urls import NoReverseMatch, reverse

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD


def _first_of(*names: str) -> str:
    """The first of these pages that exists (later issues add the worklist and branch pages)."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    raise AssertionError(names)


def test_the_login_page_is_in_chinese_by_default(client, bank):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.text
    assert 'lang="zh-hans"' in response.text


def test_logging_in_records_the_login_and_starts_the_managers_day(client, bank):
    response = client.post("/login/", {"username": "zhangmin", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response.url).url == _first_of("worklist_today", "customer_list")
    assert AuditEvent.objects.filter(action="auth.login", actor=bank.rm_a).exists()


def test_five_failed_logins_lock_the_username_even_with_the_right_password(client, bank):
    for _ in range(settings.BANYAN_LOGIN_MAX_FAILURES):
        response = client.post("/login/", {"username": "zhangmin", "password": "wrong-password"})
        assert response.status_code == 200
        assert "登录失败次数过多" not in response.text

    response = client.post("/login/", {"username": "zhangmin", "password": PASSWORD})

    assert response.status_code == 200
    assert "登录失败次数过多，请15分钟后再试" in response.text
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == settings.BANYAN_LOGIN_MAX_FAILURES
    # Another user is not locked out by zhangmin's failures.
    assert client.post("/login/", {"username": "lihua", "password": PASSWORD}).status_code == 302


def test_a_wrong_password_is_refused_and_counted(client, bank):
    response = client.post("/login/", {"username": "zhangmin", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", detail="zhangmin").count() == 1


def test_logout_is_a_post_and_ends_the_session(bank, login):
    client = login(bank.rm_a)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/customers/").status_code == 302  # back to the login page


def test_each_role_starts_where_its_work_is(bank, login):
    managers_day = _first_of("worklist_today", "customer_list")
    assert login(bank.rm_a).get("/").url == managers_day
    assert login(bank.assistant).get("/").url == managers_day
    assert login(bank.head).get("/").url == _first_of("branch_overview", "customer_list")
    assert login(bank.admin).get("/").url == _first_of("branch_overview", "customer_list")
    assert login(bank.auditor).get("/").url == _first_of("audit_log", "customer_list")


def test_every_page_is_chinese_by_default_and_english_after_switching(bank, login, zeng):
    client = login(bank.rm_a)
    pages = {
        "/customers/": ("我的客户", "My customers"),
        f"/customers/{zeng.pk}/": ("记录联系", "Log a contact"),
        f"/customers/{zeng.pk}/edit/": ("编辑档案", "Edit file"),
        "/customers/search/?q=wang": ("搜索", "Search"),
    }
    for url, (chinese, _english) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert chinese in response.text, url

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    assert response.status_code == 302

    for url, (chinese, english) in pages.items():
        response = client.get(url)
        assert english in response.text, url
        assert chinese not in response.text, url

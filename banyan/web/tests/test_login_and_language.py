from django.conf import settings

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD


def test_the_login_page_is_in_chinese_by_default(client, bank):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.text
    assert 'lang="zh-hans"' in response.text


def test_logging_in_records_the_login_and_starts_in_my_book(client, bank):
    response = client.post("/login/", {"username": "zhangmin", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response.url).url == "/customers/"
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
    assert login(bank.rm_a).get("/").url == "/customers/"
    assert login(bank.assistant).get("/").url == "/customers/"
    head_start = login(bank.head).get("/").url
    auditor_start = login(bank.auditor).get("/").url
    assert head_start in ("/branch/", "/customers/")
    assert auditor_start in ("/audit/", "/customers/")


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

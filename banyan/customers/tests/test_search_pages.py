from banyan.audit.models import AuditEvent


def test_the_header_suggests_my_customers_by_pinyin_initials_with_masked_mobiles(bank, login, make_customer):
    zeng = make_customer(bank.rm_a, name="曾晓明")
    theirs = make_customer(bank.rm_b, name="张小梅")  # zxm too, but lihua's
    response = login(bank.rm_a).get("/customers/search/suggest/?q=zxm")

    assert response.status_code == 200
    assert "曾晓明" in response.text and "张小梅" not in response.text
    assert f"/customers/{zeng.pk}/" in response.text
    assert zeng.mobile not in response.text and f"{zeng.mobile[:3]}****{zeng.mobile[-4:]}" in response.text
    assert "张敏" in response.text  # the manager
    assert theirs.mobile[-4:] not in response.text


def test_the_dropdown_shows_at_most_ten_hits_and_links_to_all_results(bank, login, make_customer):
    for i in range(12):
        make_customer(bank.rm_a, name=f"王{'一二三四五六七八九十甲乙'[i]}")
    response = login(bank.rm_a).get("/customers/search/suggest/?q=w")
    assert response.text.count('role="option"') == 10
    assert "/customers/search/?q=w" in response.text


def test_an_empty_box_closes_the_dropdown(bank, login):
    assert login(bank.rm_a).get("/customers/search/suggest/?q=").content == b""


def test_a_single_hit_opens_the_file_and_several_hits_list_them(bank, login, make_customer):
    zeng = make_customer(bank.rm_a, name="曾晓明")
    make_customer(bank.rm_a, name="王小明")
    make_customer(bank.rm_a, name="王晓梅")
    client = login(bank.rm_a)

    one = client.get(f"/customers/search/?q={zeng.mobile[-4:]}")
    assert one.status_code == 302 and one.url == f"/customers/{zeng.pk}/"

    many = client.get("/customers/search/?q=wx")
    assert many.status_code == 200
    assert "王小明" in many.text and "王晓梅" in many.text and "曾晓明" not in many.text


def test_search_never_finds_another_managers_customer(bank, login, make_customer):
    theirs = make_customer(bank.rm_b, name="曾晓明")
    response = login(bank.rm_a).get(f"/customers/search/?q={theirs.mobile[-4:]}")
    assert response.status_code == 200
    assert "曾晓明" not in response.text
    assert not AuditEvent.objects.filter(customer_id=theirs.pk, action="customer.viewed").exists()

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from banyan.customers import identity


def test_a_real_resident_id_is_accepted_and_tells_birth_date_and_gender():
    # GB 11643-1999's own example number.
    number = identity.validate_resident_id("11010519491231002x")
    assert number == "11010519491231002X"
    assert identity.birth_date_from_resident_id(number) == dt.date(1949, 12, 31)
    assert identity.gender_from_resident_id(number) == "F"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491231002", "id_length"),
        ("1101051949123100AX", "id_format"),
        ("110105194902300025", "id_birth_date"),
    ],
)
def test_a_wrong_resident_id_says_what_is_wrong(raw, code):
    with pytest.raises(ValidationError) as e:
        identity.validate_resident_id(raw)
    assert e.value.code == code


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)), st.integers(0, 999))
def test_every_generated_id_validates_and_round_trips(birth, seq):
    number = identity.make_resident_id("310104", birth, seq)
    assert identity.validate_resident_id(number) == number
    assert identity.birth_date_from_resident_id(number) == birth
    assert identity.gender_from_resident_id(number) == ("M" if seq % 2 else "F")


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_a_single_changed_digit_never_passes(number):
    try:
        valid = identity.validate_resident_id(number)
    except ValidationError:
        return
    wrong_check = "0" if valid[17] != "0" else "1"
    with pytest.raises(ValidationError):
        identity.validate_resident_id(valid[:17] + wrong_check)


def test_mobiles_are_normalised_and_validated():
    assert identity.validate_mobile("+86 138-1234-5678") == "13812345678"
    assert identity.validate_mobile("（＋８６）１３８－１２３４－５６７８") == "13812345678"  # typed full-width
    with pytest.raises(ValidationError):
        identity.validate_mobile("1٣812345678")  # an Arabic-Indic digit is not a digit of a mobile
    with pytest.raises(ValidationError):
        identity.validate_mobile("1381234567")
    with pytest.raises(ValidationError):
        identity.validate_mobile("12012345678")


def test_masking_keeps_only_what_a_teller_may_see():
    assert identity.mask_mobile("13812345678") == "138****5678"
    assert identity.mask_id_number("11010519491231002X") == "110105********002X"


def test_other_scripts_digits_are_not_id_digits_and_short_numbers_stay_hidden():
    with pytest.raises(ValidationError):
        identity.validate_resident_id("༤෯᪔೩૦᧘᧘𝟝๐᪘١٢٣٤٥٦٧٨")
    with pytest.raises(ValidationError):
        identity.validate_other_id("༤෯᪔೩૦᧘᧘𝟝๐᪘")
    assert identity.validate_other_id(" e1234 5678 ") == "E12345678"
    assert identity.mask_id_number("E12345678") == "E****5678"
    assert identity.mask_id_number("1234567890") == "12****7890"
    assert identity.mask_id_number("1234567") == "*******"


def test_a_mobile_is_judged_by_its_carrier_block_as_libphonenumber_judges_the_whole_number():
    # a sample of every kind of block: valid mobile blocks, retired ones, Beijing landlines (10…),
    # 14x data-only and 17x virtual-operator blocks, and blocks whose judgement turns on digit 5
    rng = random.Random(20261124)
    blocks = [f"1{rng.randrange(10**6):06d}" for _ in range(1500)] + ["1740000", "1740599", "1740600", "1610000",
                                                                     "1450000", "1400000", "1000000", "1991234"]
    for block in blocks:
        for _ in range(2):
            number = block + f"{rng.randrange(10**4):04d}"
            try:
                identity.validate_mobile(number)
                judged = True
            except ValidationError:
                judged = False
            assert judged == identity.is_mainland_mobile(number), number


def test_eleven_digits_libphonenumber_cannot_parse_are_an_invalid_mobile_not_a_crash():
    with pytest.raises(ValidationError) as e:
        identity.validate_mobile("11210005988")
    assert e.value.code == "mobile_invalid"


@given(st.text(st.characters(categories=("Nd",)), min_size=17, max_size=17))
def test_the_check_character_is_gb_11643s_for_any_seventeen_digits(digits):
    # ASCII digits take the quick way (their bytes), other digits (١, ༤, 𝟝) int()'s: the standard's sum either way
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643-1999: W_i = 2^(i-1) mod 11, i from 18 down to 2
    expected = "10X98765432"[sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11]
    assert identity.resident_id_check_char(digits) == expected
    ascii_digits = "".join(str(int(d)) for d in digits)
    assert identity.resident_id_check_char(ascii_digits) == expected

"""Names, identity documents, phone numbers and their masks (bot/health/identity.py)."""

from __future__ import annotations

import ast
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.health import identity
from bot.health.errors import InvalidInput
from bot.health.identity import (
    DOC_TYPES_IN_MENU_ORDER,
    DocType,
    document_lookup_form,
    mask_document,
    mask_name,
    mask_phone,
    parse_doc_type,
    parse_document,
    parse_name,
    parse_phone,
)

TODAY = date(2020, 3, 7)
DIGITS = "0123456789"
# Written out from the brief rather than imported, so a typo in the module is caught here.
PROVINCES = [
    *map(str, range(11, 16)), "21", "22", "23", *map(str, range(31, 38)),
    *map(str, range(41, 47)), *map(str, range(50, 55)), *map(str, range(61, 66)),
    "71", "81", "82", "83",
]  # fmt: skip


def gb11643_check(body: str) -> str:
    """The check character of GB 11643, written independently of the module under test."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    value = (12 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11) % 11
    return "X" if value == 10 else str(value)


def with_check(body: str) -> str:
    return body + gb11643_check(body)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=DIGITS, min_size=n, max_size=n)


def birth_dates() -> st.SearchStrategy[date]:
    return st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCES))
    born = draw(birth_dates()).strftime("%Y%m%d")
    return with_check(province + draw(digits(4)) + born + draw(digits(3)))


@st.composite
def permanent_2023_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from([p for p in PROVINCES if p not in {"71", "81", "82", "83"}]))
    born = draw(birth_dates()).strftime("%Y%m%d")
    return with_check("9" + province + draw(digits(3)) + born + draw(digits(3)))


@st.composite
def as_typed(draw: st.DrawFn, number: str) -> str:
    """``number`` as a person might type it: spaces or dashes anywhere, lower case, full width."""
    gaps = st.sampled_from(["", "", "", " ", "-", "\u3000", " - "])
    typed = "".join(draw(gaps) + ch for ch in number) + draw(gaps)
    if draw(st.booleans()):
        typed = typed.lower()
    if draw(st.booleans()):  # full-width forms: what a Chinese input method often produces
        typed = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in typed)
    return typed


def code_of(call, *args: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        call(*args)
    return caught.value.code


# --- the module stays pure ----------------------------------------------------------------


@pytest.mark.parametrize("module", ["identity", "errors", "districts"])
def test_domain_modules_import_only_the_standard_library(module: str) -> None:
    source = Path(identity.__file__).with_name(f"{module}.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                top = (name or "").split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith("bot.health"), name


# --- document types -----------------------------------------------------------------------


def test_menu_order_is_the_scripts_order() -> None:
    assert [str(doc_type) for doc_type in DOC_TYPES_IN_MENU_ORDER] == [
        "resident_id",
        "hk_macau_permit",
        "taiwan_permit",
        "passport",
        "foreign_permanent_resident",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", DocType.RESIDENT_ID),
        (" 2 ", DocType.HK_MACAU_PERMIT),
        ("３", DocType.TAIWAN_PERMIT),
        ("4", DocType.PASSPORT),
        ("5", DocType.FOREIGN_PERMANENT_RESIDENT),
        ("passport", DocType.PASSPORT),
    ],
)
def test_doc_type_by_menu_number_or_value(raw: str, expected: DocType) -> None:
    assert parse_doc_type(raw) is expected


@pytest.mark.parametrize("raw", ["0", "6", "", "护照", "-1"])
def test_unknown_doc_type_choice(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_doc_type(raw)
    assert caught.value.code == "identity.doc_type_choice"
    assert caught.value.params == {"count": 5}


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        ("  张  三 ", "张三"),
        ("欧阳小明", "欧阳小明"),
        ("阿沛 • 阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛・阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛･阿旺晋美", "阿沛·阿旺晋美"),
        ("ＪＯＨＮ　ＳＭＩＴＨ", "JOHN SMITH"),
        ("John   Smith ", "John Smith"),
        ("José Müller", "José Müller"),
        ("Jose\u0301", "José"),
        ("𠀀明", "𠀀明"),
        ("李〇", "李〇"),
        ("A" * 30, "A" * 30),
    ],
)
def test_names_are_normalised(raw: str, expected: str) -> None:
    assert parse_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("张", "identity.name_too_short"),
        ("", "identity.name_too_short"),
        ("   ", "identity.name_too_short"),
        ("A" * 31, "identity.name_too_long"),
        ("张" * 31, "identity.name_too_long"),
        ("张三3", "identity.name_characters"),
        ("John F. Kennedy", "identity.name_characters"),
        ("张三!", "identity.name_characters"),
        ("Иван Петров", "identity.name_characters"),
        ("张\u200b三", "identity.name_characters"),
        ("·张三", "identity.name_separator"),
        ("张三 ·", "identity.name_separator"),
        ("阿沛··阿旺晋美", "identity.name_separator"),
        ("·", "identity.name_separator"),
    ],
)
def test_bad_names_say_what_is_wrong(raw: str, code: str) -> None:
    assert code_of(parse_name, raw) == code


def test_length_errors_carry_the_limits() -> None:
    with pytest.raises(InvalidInput) as short:
        parse_name("张")
    with pytest.raises(InvalidInput) as long:
        parse_name("张" * 31)
    assert short.value.params == {"min": 2}
    assert long.value.params == {"max": 30}


name_texts = st.text(alphabet="张王李阿沛旺晋美欧阳JohnSmithéÜ ·•・.　ＡＢ3", max_size=40)


@given(name_texts)
def test_parse_name_is_idempotent(raw: str) -> None:
    try:
        name = parse_name(raw)
    except InvalidInput:
        assume(False)
        raise
    assert parse_name(name) == name


# --- resident identity card -----------------------------------------------------------------


def test_the_standards_own_example_is_accepted() -> None:
    assert parse_document(DocType.RESIDENT_ID, "11010519491231002X", TODAY) == "11010519491231002X"


@given(resident_ids(), st.data())
def test_any_valid_resident_id_is_accepted_however_typed(number: str, data: st.DataObject) -> None:
    typed = data.draw(as_typed(number))
    assert parse_document(DocType.RESIDENT_ID, typed, TODAY) == number
    assert parse_document(DocType.RESIDENT_ID, number, TODAY) == number


@given(resident_ids(), st.integers(min_value=0, max_value=17), st.sampled_from(DIGITS + "X"))
def test_changing_any_single_character_is_rejected(number: str, at: int, new: str) -> None:
    assume(new != number[at] and (new != "X" or at == 17))
    changed = number[:at] + new + number[at + 1 :]
    with pytest.raises(InvalidInput):
        parse_document(DocType.RESIDENT_ID, changed, TODAY)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "1101051949123100",
        "1101051949123100211",
        "11010519491231002A",
        "X10105194912310021",
    ],
)
def test_resident_id_of_the_wrong_shape(raw: str) -> None:
    assert code_of(parse_document, DocType.RESIDENT_ID, raw, TODAY) == "identity.resident_id_format"


@pytest.mark.parametrize(
    "prefix", ["00", "10", "16", "24", "30", "47", "55", "66", "72", "84", "99"]
)
def test_resident_id_with_an_unknown_province(prefix: str) -> None:
    number = with_check(prefix + "0105" + "19491231" + "002")
    with pytest.raises(InvalidInput) as caught:
        parse_document(DocType.RESIDENT_ID, number, TODAY)
    assert caught.value.code == "identity.province"
    assert caught.value.params == {"prefix": prefix}


@pytest.mark.parametrize(
    "born",
    [
        "18991231",
        "19900230",
        "19901301",
        "19900001",
        (TODAY + timedelta(days=1)).strftime("%Y%m%d"),
    ],
)
def test_resident_id_with_an_impossible_birth_date(born: str) -> None:
    number = with_check("120101" + born + "123")
    with pytest.raises(InvalidInput) as caught:
        parse_document(DocType.RESIDENT_ID, number, TODAY)
    assert caught.value.code == "identity.birth_date"
    assert caught.value.params == {"birth": born}


def test_resident_id_born_today_or_on_the_first_day_of_1900() -> None:
    for born in (TODAY.strftime("%Y%m%d"), "19000101"):
        number = with_check("120101" + born + "123")
        assert parse_document(DocType.RESIDENT_ID, number, TODAY) == number


def test_resident_id_with_a_wrong_check_digit() -> None:
    assert code_of(parse_document, DocType.RESIDENT_ID, "110105194912310021", TODAY) == (
        "identity.checksum"
    )


def test_residence_permits_of_hong_kong_macao_and_taiwan_residents() -> None:
    for prefix in ("81", "82", "83"):
        number = with_check(prefix + "0000" + "19940823" + "002")
        assert parse_document(DocType.RESIDENT_ID, number, TODAY) == number


# --- travel permits and passports ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_type", "raw", "expected"),
    [
        (DocType.HK_MACAU_PERMIT, "H12345678", "H12345678"),
        (DocType.HK_MACAU_PERMIT, "m 1234 5678 90", "M1234567890"),
        (DocType.HK_MACAU_PERMIT, "Ｈ１２３４５６７８", "H12345678"),
        (DocType.TAIWAN_PERMIT, "12345678", "12345678"),
        (DocType.TAIWAN_PERMIT, "１２３４-５６７８", "12345678"),
        (DocType.PASSPORT, "e12345678", "E12345678"),
        (DocType.PASSPORT, "A1234", "A1234"),
        (DocType.PASSPORT, "AB123456789012345", "AB123456789012345"),
    ],
)
def test_permits_and_passports_are_normalised(doc_type: DocType, raw: str, expected: str) -> None:
    assert parse_document(doc_type, raw, TODAY) == expected


@pytest.mark.parametrize(
    ("doc_type", "raw", "code"),
    [
        (DocType.HK_MACAU_PERMIT, "H1234567", "identity.hk_macau_format"),
        (DocType.HK_MACAU_PERMIT, "H123456789", "identity.hk_macau_format"),
        (DocType.HK_MACAU_PERMIT, "A12345678", "identity.hk_macau_format"),
        (DocType.HK_MACAU_PERMIT, "12345678", "identity.hk_macau_format"),
        (DocType.TAIWAN_PERMIT, "1234567", "identity.taiwan_format"),
        (DocType.TAIWAN_PERMIT, "T1234567", "identity.taiwan_format"),
        (DocType.TAIWAN_PERMIT, "١٢٣٤٥٦٧٨", "identity.taiwan_format"),
        (DocType.PASSPORT, "E123", "identity.passport_format"),
        (DocType.PASSPORT, "E" * 18, "identity.passport_format"),
        (DocType.PASSPORT, "E1234567!", "identity.passport_format"),
        (DocType.PASSPORT, "", "identity.passport_format"),
    ],
)
def test_permits_and_passports_of_the_wrong_shape(doc_type: DocType, raw: str, code: str) -> None:
    assert code_of(parse_document, doc_type, raw, TODAY) == code


@given(
    st.sampled_from(
        [
            (DocType.HK_MACAU_PERMIT, st.from_regex(r"[HM][0-9]{8}([0-9]{2})?", fullmatch=True)),
            (DocType.TAIWAN_PERMIT, st.from_regex(r"[0-9]{8}", fullmatch=True)),
            (DocType.PASSPORT, st.from_regex(r"[A-Z0-9]{5,17}", fullmatch=True)),
            (
                DocType.FOREIGN_PERMANENT_RESIDENT,
                st.from_regex(r"[A-Z]{3}[0-9]{12}", fullmatch=True),
            ),
            (DocType.FOREIGN_PERMANENT_RESIDENT, permanent_2023_ids()),
        ]
    ),
    st.data(),
)
def test_valid_numbers_round_trip_however_typed(case: tuple, data: st.DataObject) -> None:
    doc_type, numbers = case
    number = data.draw(numbers)
    assert parse_document(doc_type, data.draw(as_typed(number)), TODAY) == number
    assert parse_document(doc_type, number, TODAY) == number


# --- foreign permanent resident ID card ---------------------------------------------------------


@pytest.mark.parametrize("raw", ["KAZ110090123105", "usa 3100 1234 5678", "911398199012310021"])
def test_both_forms_of_the_permanent_resident_card(raw: str) -> None:
    expected = raw.replace(" ", "").upper()
    assert parse_document(DocType.FOREIGN_PERMANENT_RESIDENT, raw, TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "code", "params"),
    [
        ("KA1110090123105", "identity.permanent_format", {}),
        ("KAZ11009012310", "identity.permanent_format", {}),
        ("811398199012310021", "identity.permanent_format", {}),
        ("11010519491231002X", "identity.permanent_format", {}),
        (with_check("98139819901231002"), "identity.permanent_province", {"prefix": "81"}),
        (with_check("97139819901231002"), "identity.permanent_province", {"prefix": "71"}),
        (with_check("91139819900230002"), "identity.permanent_birth_date", {"birth": "19900230"}),
        (with_check("91139820200308002"), "identity.permanent_birth_date", {"birth": "20200308"}),
        ("911398199012310022", "identity.permanent_checksum", {}),
    ],
)
def test_permanent_resident_card_errors(raw: str, code: str, params: dict) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_document(DocType.FOREIGN_PERMANENT_RESIDENT, raw, TODAY)
    assert (caught.value.code, caught.value.params) == (code, params)


@given(permanent_2023_ids(), st.integers(min_value=0, max_value=17), st.sampled_from(DIGITS))
def test_a_changed_digit_of_the_2023_card_is_rejected(number: str, at: int, new: str) -> None:
    assume(new != number[at])
    with pytest.raises(InvalidInput):
        parse_document(
            DocType.FOREIGN_PERMANENT_RESIDENT, number[:at] + new + number[at + 1 :], TODAY
        )


# --- the lookup form ----------------------------------------------------------------------------


def test_lookup_form_is_type_and_canonical_number() -> None:
    assert document_lookup_form(DocType.RESIDENT_ID, "11010519491231002X") == (
        "resident_id:11010519491231002X"
    )
    assert document_lookup_form(DocType.PASSPORT, "e 1234-5678") == "passport:E12345678"


@given(resident_ids(), st.data())
def test_lookup_form_is_the_same_however_the_number_was_typed(
    number: str, data: st.DataObject
) -> None:
    typed = data.draw(as_typed(number))
    assert document_lookup_form(DocType.RESIDENT_ID, typed) == document_lookup_form(
        DocType.RESIDENT_ID, parse_document(DocType.RESIDENT_ID, typed, TODAY)
    )


def test_lookup_form_tells_document_types_apart() -> None:
    assert document_lookup_form(DocType.TAIWAN_PERMIT, "12345678") != document_lookup_form(
        DocType.PASSPORT, "12345678"
    )


# --- phone numbers ------------------------------------------------------------------------------


@st.composite
def mainland_mobiles(draw: st.DrawFn) -> str:
    return "1" + draw(st.sampled_from("3456789")) + draw(digits(9))


@given(
    mainland_mobiles(),
    st.sampled_from(["", "+86", "86", "0086", "+86 ", "(+86) ", "+86-"]),
    st.data(),
)
def test_mainland_mobiles_normalise_to_eleven_digits(
    mobile: str, prefix: str, data: st.DataObject
) -> None:
    typed = data.draw(as_typed(prefix + mobile))
    assert parse_phone(typed) == mobile
    assert parse_phone(mobile) == mobile


@given(st.from_regex(r"[1-9][0-9]{6,14}", fullmatch=True), st.sampled_from(["+", "00", "+ "]))
def test_international_numbers_keep_plus_and_digits(number: str, prefix: str) -> None:
    assume(not number.startswith("86"))
    assert parse_phone(prefix + number) == "+" + number
    assert parse_phone("+" + number) == "+" + number


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "identity.phone_format"),
        ("abc", "identity.phone_format"),
        ("91234567", "identity.phone_format"),
        ("400-123-4567", "identity.phone_format"),
        ("1381234567", "identity.phone_mobile"),
        ("138123456789", "identity.phone_mobile"),
        ("12012345678", "identity.phone_mobile"),
        ("+86 138 1234 567", "identity.phone_mobile"),
        ("022-2345 6789", "identity.phone_landline"),
        ("0335-1234567", "identity.phone_landline"),
        ("+86 22 2345 6789", "identity.phone_landline"),
        ("+86 10 1234 5678", "identity.phone_landline"),
        ("0086 022 23456789", "identity.phone_landline"),
        ("+0123456", "identity.phone_international"),
        ("+12345", "identity.phone_international"),
        ("+1234567890123456", "identity.phone_international"),
        ("+44 abc", "identity.phone_international"),
    ],
)
def test_bad_phone_numbers_say_what_is_wrong(raw: str, code: str) -> None:
    assert code_of(parse_phone, raw) == code


# --- masking ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳小明", "欧**明"),
        ("阿沛·阿旺晋美", "阿*·***美"),
        ("John Smith", "J*** S****"),
        ("José Müller", "J*** M*****"),
        ("Jean·Paul Sartre", "J***·P*** S*****"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@given(name_texts)
def test_masked_names_show_no_more_than_allowed(raw: str) -> None:
    try:
        name = parse_name(raw)
    except InvalidInput:
        assume(False)
        raise
    masked = mask_name(name)
    assert len(masked) == len(name)
    shown = [i for i, ch in enumerate(masked) if ch not in "* ·"]
    assert all(masked[i] == name[i] for i in shown)
    assert all(masked[i] == name[i] for i, ch in enumerate(name) if ch in " ·")
    letters = sum(ch not in " ·" for ch in name)
    words = len(name.replace("·", " ").split())
    assert len(shown) <= max(2, words)
    assert len(shown) < letters or letters == words  # all shown only when every word is 1 letter


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("120101199003071234", "1201**********1234"),
        ("11010519491231002X", "1101**********002X"),
        ("KAZ110090123105", "KAZ*********105"),
        ("H12345678", "H1*****78"),
        ("12345678", "12****78"),
        ("E1234", "E***4"),
        ("123", "***"),
    ],
)
def test_mask_document(number: str, masked: str) -> None:
    assert mask_document(number) == masked


@given(st.text(alphabet=DIGITS + "ABCHMX", max_size=40))
def test_masked_documents_show_at_most_half(number: str) -> None:
    masked = mask_document(number)
    shown = [i for i, ch in enumerate(masked) if ch != "*"]
    assert len(masked) == len(number)
    assert len(shown) <= len(number) // 2
    assert all(masked[i] == number[i] for i in shown)
    if len(number) >= 16:
        assert masked[:4] == number[:4] and masked[-4:] == number[-4:] and len(shown) == 8


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+85291234567", "+852****4567"),
        ("+14155552671", "+1******2671"),
        ("+447911123456", "+44******3456"),
        ("+1234567", "+1***567"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(
    st.one_of(
        mainland_mobiles(),
        st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True).filter(lambda p: p[1:3] != "86"),
    )
)
def test_masked_phones_show_no_more_than_the_prefix_and_four_digits(phone: str) -> None:
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert all(shown == digit for shown, digit in zip(masked, phone, strict=True) if shown != "*")
    hidden = masked.count("*")
    if phone.startswith("+"):
        code_length = len(masked[1:].split("*")[0])
        assert 1 <= code_length <= 3
        subscriber = len(phone) - 1 - code_length
        assert subscriber - hidden <= min(4, subscriber // 2)
    else:
        assert masked == phone[:3] + "****" + phone[-4:]


# --- the error itself ---------------------------------------------------------------------------


def test_invalid_input_keeps_personal_data_out_of_its_message() -> None:
    error = InvalidInput("identity.province", prefix="99")
    assert isinstance(error, ValueError)
    assert str(error) == "identity.province"
    assert "99" not in repr(error)
    assert error.params == {"prefix": "99"}

"""The request bodies' one declaration (``handlers.request_bodies``) and the reader that checks a
body against it (``handlers.json_input``), without a server: every kind of msgspec refusal is
read back into the field and the catalogue key it declares (so a msgspec that words its errors
otherwise fails here first), every declared key has its sentence, and the literals the structs
spell agree with the domain's lists."""

from __future__ import annotations

import string
import typing

import pytest

from bot.health.errors import InvalidInput
from bot.health.rules.facts import SYMPTOMS
from bot.services.errors import Malformed
from bot.services.family.members import RELATIONS
from bot.texts import LANGUAGES, catalogue
from handlers import request_bodies
from handlers.bodies import Body, refusals_of
from handlers.json_input import MAX_DEPTH, as_struct, parse_json_object
from handlers.request_bodies import (
    BODIES,
    Broadcast,
    Declaration,
    Feed,
    Lookup,
    MiniappLogin,
    Resolution,
    SameAsLast,
    Scan,
    SetTier,
)


def read(raw: bytes, kind: type[Body]) -> Body:
    return as_struct(parse_json_object(raw), kind)


def refused(raw: bytes, kind: type[Body]) -> tuple[str, dict[str, object]]:
    with pytest.raises(InvalidInput) as caught:
        read(raw, kind)
    return caught.value.code, caught.value.params


@pytest.mark.parametrize(
    ("kind", "raw", "code", "params"),
    [
        # absent, or null, which has always meant absent
        (MiniappLogin, b"{}", "api.missing", {"field": "code"}),
        (MiniappLogin, b'{"code": null}', "api.missing", {"field": "code"}),
        (SetTier, b"{}", "tiers.unknown_tier", {"field": "tier"}),
        (Feed, b'{"source": "cdc"}', "feeds.records", {"field": "records"}),
        (Resolution, b'{"reply": "x"}', "appeals.decision", {"field": "decision"}),
        # the wrong JSON type
        (MiniappLogin, b'{"code": 1}', "api.wrong_type", {"field": "code"}),
        (Declaration, b'{"district": 1.5}', "api.wrong_type", {"field": "district"}),
        (Declaration, b'{"left_city": 1}', "api.wrong_type", {"field": "left_city"}),
        (Declaration, b'{"district": true}', "api.wrong_type", {"field": "district"}),
        (Scan, b'{"token": 5}', "api.missing", {"field": "token"}),
        (Scan, b'{"token": "x", "temperature": "36"}', "scan.temperature", {}),
        (Lookup, b'{"doc_type": 1}', "lookup.doc_type", {"field": "doc_type"}),
        (Feed, b'{"source": 1, "records": []}', "feeds.source", {"field": "source", "max": 64}),
        (Resolution, b'{"decision": "accept", "reply": "x", "color": 1}', "appeals.color",
         {"field": "color"}),
        # the right type outside the field's limits or choices
        (MiniappLogin, b'{"code": "' + b"x" * 129 + b'"}', "miniapp.login_code_format",
         {"field": "code"}),
        (MiniappLogin, b'{"code": ""}', "miniapp.login_code_format", {"field": "code"}),
        (MiniappLogin, b'{"code": "x", "lang": "fr"}', "miniapp.lang", {"field": "lang"}),
        (Declaration, b'{"doc_type": "id_card"}', "miniapp.doc_type", {"field": "doc_type"}),
        (Scan, b'{"token": ""}', "api.missing", {"field": "token"}),
        (Scan, b'{"token": "x", "temperature": 43.5}', "scan.temperature", {}),
        (Lookup, b'{"doc_type": "passport", "doc_number": "' + b"1" * 65 + b'"}',
         "lookup.doc_number_length", {"field": "doc_number"}),
        (Feed, b'{"source": "cdc", "records": [' + b"0," * 20_000 + b"0]}", "feeds.too_many",
         {"field": "records", "max": 20_000}),
        # inside a list: the field as a whole, with the refused value where its sentence says it
        (Declaration, b'{"symptoms": ["fever", 1]}', "miniapp.symptoms", {"field": "symptoms"}),
        (Declaration, b'{"symptoms": [null]}', "miniapp.symptoms", {"field": "symptoms"}),
        (Broadcast, b'{"text": "x", "districts": [120101, 1.5]}', "broadcasts.unknown_district",
         {"field": "districts", "adcode": "1.5"}),
        # a field the body does not declare, where it forbids them
        (MiniappLogin, b'{"code": "x", "extra": 1}', "miniapp.unknown_field", {"field": "extra"}),
        (SameAsLast, b'{"same_as_last": true, "name": "x"}', "miniapp.same_as_last_alone",
         {"field": "name"}),
        # a mini-program's text with a control character a JSON escape can carry
        (MiniappLogin, b'{"code": "a\\tb"}', "miniapp.unprintable", {"field": "code"}),
        (MiniappLogin, b'{"code": "a\x7fb"}', "miniapp.unprintable", {"field": "code"}),
    ],
)  # fmt: skip
def test_each_refusal_of_msgspec_is_the_key_its_field_declares(
    kind: type[Body], raw: bytes, code: str, params: dict[str, object]
) -> None:
    assert refused(raw, kind) == (code, params)


def test_what_a_staff_tool_sends_beyond_the_body_is_ignored() -> None:
    scan = read(b'{"token": "HC1:x", "temperature": 36, "device": "gate 3"}', Scan)
    assert scan == Scan(token="HC1:x", temperature=36.0)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "api.too_deep"),
        (b'{"n": 1e999}', "api.number_out_of_range"),
        (b'{"n": ' + b"9" * 5000 + b"}", "api.number_out_of_range"),
        (b'{"n": [NaN]}', "api.number_out_of_range"),
        (b'{"n": -Infinity}', "api.number_out_of_range"),
        (b'{"s": "\xed\xa0\x80"}', "api.not_json"),
        (b'{"s": "ok"', "api.not_json"),
        (b'{"s": "ok"} x', "api.not_json"),
        (b"[1]", "api.not_object"),
    ],
)
def test_a_body_no_struct_can_read_is_refused_before_any_field(raw: bytes, code: str) -> None:
    with pytest.raises(Malformed) as caught:
        parse_json_object(raw)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"token": "x", "place": "\\u0000"}', "place"),
        (b'{"token": "x", "place": ["\\ud800"]}', "place"),
        (b'{"token": "x", "\\udfff": 1}', "\udfff"),
    ],
)
def test_a_control_character_or_lone_surrogate_is_refused_with_its_field(
    raw: bytes, field: str
) -> None:
    assert refused(raw, Scan) == ("api.control_characters", {"field": field})


def test_a_scanned_token_may_hold_anything() -> None:
    body = parse_json_object(b'{"token": "HC1:\\u0000"}', unchecked=frozenset({"token"}))
    assert as_struct(body, Scan).token == "HC1:\x00"


def test_every_body_a_route_may_read_is_in_the_document() -> None:
    declared = {
        value
        for value in vars(request_bodies).values()
        if isinstance(value, type) and issubclass(value, Body) and value.__struct_fields__
    }
    assert declared == set(BODIES)


@pytest.mark.parametrize("kind", BODIES, ids=lambda kind: kind.__name__)
def test_every_declared_refusal_has_its_sentence_with_its_placeholders(kind: type[Body]) -> None:
    for name, declared in refusals_of(kind).items():
        for refusal in declared.values():
            given = set(refusal.params) | {refusal.value_param} - {None}
            given |= {"field"} if refusal.names_field else set()
            for lang in LANGUAGES:
                text = catalogue(lang)[refusal.code]
                wanted = {p for _, p, _, _ in string.Formatter().parse(text) if p}
                assert wanted <= given, (name, refusal.code, lang)


def test_the_structs_choices_are_the_domains() -> None:
    assert set(typing.get_args(request_bodies.Language)) == set(LANGUAGES)
    assert set(typing.get_args(request_bodies.Relation)) == set(RELATIONS)
    assert set(typing.get_args(request_bodies.Symptom)) == SYMPTOMS

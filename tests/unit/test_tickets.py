"""The code page link's ticket: names one person, expires, and cannot be altered or forged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.tickets import TicketExpired, TicketInvalid, make_ticket, read_ticket

SECRET = b"s" * 32
NOW = datetime(2020, 3, 7, 8, 30, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=30)
REF = "3f2b9c0e8a7d4e1fb6c5d4e3f2a1b0c9"
TICKET = make_ticket(SECRET, REF, EXPIRES)


def test_round_trip_names_the_person() -> None:
    assert read_ticket(SECRET, TICKET, NOW) == REF


@pytest.mark.parametrize("ref", ["a", "A-b_9", "x" * 32])
def test_any_url_safe_ref_up_to_32_characters(ref: str) -> None:
    assert read_ticket(SECRET, make_ticket(SECRET, ref, EXPIRES), NOW) == ref


def test_ticket_is_url_safe_and_short() -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", TICKET)
    assert len(TICKET) <= 72


def test_valid_until_the_second_before_expiry() -> None:
    assert read_ticket(SECRET, TICKET, EXPIRES - timedelta(seconds=1)) == REF


def test_expired_at_its_expiry() -> None:
    with pytest.raises(TicketExpired):
        read_ticket(SECRET, TICKET, EXPIRES)


def test_another_secret_does_not_read_it() -> None:
    with pytest.raises(TicketInvalid):
        read_ticket(b"t" * 32, TICKET, NOW)


def test_expired_ticket_with_another_secret_is_invalid_not_expired() -> None:
    with pytest.raises(TicketInvalid):
        read_ticket(b"t" * 32, TICKET, EXPIRES + timedelta(days=1))


@pytest.mark.parametrize("ticket", [None, b"abc", "", "A", TICKET + "=", TICKET[:-1], TICKET * 2])
def test_malformed_tickets_are_invalid(ticket: object) -> None:
    with pytest.raises(TicketInvalid):
        read_ticket(SECRET, ticket, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("ref", ["", "x" * 33, "has space", "a/b", "人"])
def test_refs_that_are_not_url_safe_ids_are_refused(ref: str) -> None:
    with pytest.raises(ValueError):
        make_ticket(SECRET, ref, EXPIRES)


def test_naive_datetimes_and_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError):
        make_ticket(SECRET, REF, datetime(2020, 4, 6))
    with pytest.raises(ValueError):
        make_ticket(b"short", REF, EXPIRES)


@given(st.data())
def test_any_single_character_change_is_invalid(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(TICKET) - 1))
    char = data.draw(st.characters().filter(lambda c: c != TICKET[index]))
    with pytest.raises(TicketInvalid):
        read_ticket(SECRET, TICKET[:index] + char + TICKET[index + 1 :], NOW)


@given(st.text())
def test_arbitrary_text_is_only_ever_invalid(text: str) -> None:
    with pytest.raises(TicketInvalid):
        read_ticket(SECRET, text, NOW)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
def test_arbitrary_base64url_is_only_ever_invalid(text: str) -> None:
    with pytest.raises(TicketInvalid):
        read_ticket(SECRET, text, NOW)

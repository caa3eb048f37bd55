"""The WeChat adapter's pure parts: which part of a channel-neutral message fills which field
of a template or subscribe message (the layouts README.md documents for the configured
templates), and the HTTP status of each refusal at the edge."""

from __future__ import annotations

import pytest

from bot.health.errors import InvalidInput
from bot.services.errors import Forbidden, Malformed, NotFound, ServiceError, TooFast, Unauthorised
from bot.services.notices.kinds import NoticeKind
from bot.services.notices.messages import Message
from bot.wechat.notice_fields import subscribe_fields, template_fields
from handlers.errors import WeChatUnavailable, status_of
from handlers.json_input import BodyTooLarge


def message(kind: NoticeKind, what_short: str = "") -> Message:
    return Message(
        kind=kind,
        text="the whole text",
        title="T",
        name="王*明",
        what="W",
        remark="R",
        note="N",
        url="https://example.test/c/x",
        page="pages/code/index",
        when="2026-01-02 03:04",
        what_short=what_short,
    )


@pytest.mark.parametrize(
    "kind", [NoticeKind.CODE_CHANGED, NoticeKind.APPEAL_REPLY, NoticeKind.FAMILY_CHANGED]
)
def test_an_events_template_and_subscribe_fields(kind: NoticeKind) -> None:
    assert template_fields(message(kind)) == {
        "first": "T",
        "keyword1": "王*明",
        "keyword2": "W",
        "keyword3": "2026-01-02 03:04",
        "remark": "R",
    }
    assert subscribe_fields(message(kind)) == {
        "thing1": "王*明",
        "thing2": "W",
        "time3": "2026-01-02 03:04",
        "thing4": "N",
    }


def test_a_code_change_subscribe_message_says_the_colours_in_plain_words() -> None:
    fields = subscribe_fields(message(NoticeKind.CODE_CHANGED, what_short="橙码 → 绿码"))
    assert fields["thing2"] == "橙码 → 绿码"
    assert template_fields(message(NoticeKind.CODE_CHANGED, "x"))["keyword2"] == "W"


def test_a_reminders_fields() -> None:
    reminder = message(NoticeKind.REMINDER)
    assert template_fields(reminder) == {
        "first": "T",
        "keyword1": "王*明",
        "keyword2": "W",
        "remark": "R",
    }
    assert subscribe_fields(reminder) == {
        "thing1": "T",
        "thing2": "王*明",
        "thing3": "W",
        "thing4": "N",
    }


def test_a_kind_without_a_form_has_no_fields() -> None:
    with pytest.raises(KeyError):
        template_fields(message(NoticeKind.TEXT))


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (Malformed("api.bad_json"), 400),
        (Unauthorised("api.unauthorised"), 401),
        (Forbidden("api.forbidden"), 403),
        (NotFound("api.not_found"), 404),
        (ServiceError("claim.too_many"), 409),
        (BodyTooLarge("api.too_large"), 413),
        (InvalidInput("identity.checksum"), 422),
        (TooFast("claim.too_many", 5), 429),
        (WeChatUnavailable("miniapp.wechat_unavailable"), 503),
    ],
)
def test_each_refusal_has_its_status_at_the_edge(refusal: InvalidInput, status: int) -> None:
    assert status_of(refusal) == status


def test_a_refusal_of_a_subclass_takes_its_nearest_status() -> None:
    class Gone(NotFound):
        pass

    assert status_of(Gone("api.not_found")) == 404

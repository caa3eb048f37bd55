"""Outbox rows keep their payload as the JSON object they always held: a row queued before
the notices had typed payloads (bot/services/notices/kinds.py) is read back as its type and
delivered, and a row written now holds the same object a row written then did."""

from __future__ import annotations

import pytest

from bot.services.notices.kinds import (
    AppealReply,
    CodeChanged,
    CodeImage,
    FamilyChanged,
    MassText,
    NoticeKind,
    Reminder,
    Text,
    UnknownKind,
    read_payload,
    stored,
)
from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from bot.wechat.sender import send_due_notices
from models.outbox import Notice
from models.person import Account, Person
from tests.fakes.wechat_api import CUSTOM_SEND, MASS_SEND, FakeWeChat
from tests.support.people import make_person

# (kind, the object the version before typed payloads stored, the payload it reads as)
OLD_ROWS = [
    ("code_image", {"person": "p1"}, CodeImage("p1")),
    ("text", {"text": "你好"}, Text("你好")),
    (
        "code_changed",
        {"person": "p1", "old": None, "new": "green", "cause": "expiry"},
        CodeChanged("p1", "green", None, "expiry"),
    ),
    ("reminder", {"person": "p1"}, Reminder("p1")),
    (
        "reminder",
        {"person": "p1", "actor": "p2", "relation": "parent"},
        Reminder("p1", "p2", "parent"),
    ),
    (
        "mass_text",
        {"openids": ["o-1", "o-2"], "text": "通知", "broadcast": 7},
        MassText(["o-1", "o-2"], "通知", 7),
    ),
    ("appeal_reply", {"appeal": 3}, AppealReply(3)),
    (
        "family_change",
        {"person": "p1", "change": "handed_over", "own": True, "at": "2026-01-02T03:04:05+00:00"},
        FamilyChanged("p1", "handed_over", True, "2026-01-02T03:04:05+00:00"),
    ),
    (
        "family_change",
        {
            "person": "p1",
            "change": "guardian_added",
            "own": False,
            "at": "2026-01-02T03:04:05+00:00",
            "guardian": "p2",
            "relation": "child",
        },
        FamilyChanged("p1", "guardian_added", False, "2026-01-02T03:04:05+00:00", "p2", "child"),
    ),
]


@pytest.mark.parametrize(("kind", "old", "typed"), OLD_ROWS)
def test_an_old_rows_payload_reads_as_its_type_and_is_stored_the_same(
    kind: str, old: dict, typed: object
) -> None:
    assert read_payload(kind, old) == typed
    # the SQL that queues code changes writes "old": null; every other None is left out
    assert stored(read_payload(kind, old)) == {k: v for k, v in old.items() if v is not None}
    assert NoticeKind(kind) == kind  # the kinds are the words stored


def test_a_payload_without_a_field_it_needs_or_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(KeyError, match="person"):
        read_payload("code_image", {})
    with pytest.raises(UnknownKind):
        read_payload("fax", {"person": "p1"})
    # a key a later version added is ignored
    assert read_payload("text", {"text": "x", "priority": "high"}) == Text("x")


@pytest.mark.db
async def test_rows_queued_before_the_change_are_delivered(
    rt: Runtime, gateway: WeChatGateway, fake_wechat: FakeWeChat
) -> None:
    person = await make_person(rt)
    account = await Account.get(person_id=person.id)
    await Account.filter(id=account.id).update(last_message_at=rt.now())
    public_id = (await Person.get(id=person.id)).public_id
    now = rt.now()
    old_rows = [
        ("old:image", account.id, "code_image", {"person": public_id}),
        ("old:text", account.id, "text", {"text": "旧的通知"}),
        (
            "old:mass",
            None,
            "mass_text",
            {"openids": ["o-a", "o-b"], "text": "群发", "broadcast": 1},
        ),
    ]
    for key, account_id, kind, payload in old_rows:
        await Notice.create(
            dedupe_key=key,
            account_id=account_id,
            kind=kind,
            payload=payload,
            priority=1,
            due_at=now,
            created_at=now,
        )
    assert await send_due_notices(rt, gateway) == 3
    assert {n.dedupe_key: n.status for n in await Notice.all()} == {
        "old:image": "sent",
        "old:text": "sent",
        "old:mass": "sent",
    }
    texts = [body["text"]["content"] for body in fake_wechat.sent(CUSTOM_SEND) if "text" in body]
    assert texts == ["旧的通知"]
    assert [body["msgtype"] for body in fake_wechat.sent(CUSTOM_SEND)].count("image") == 1
    [mass] = fake_wechat.sent(MASS_SEND)
    assert mass["touser"] == ["o-a", "o-b"] and mass["text"]["content"] == "群发"

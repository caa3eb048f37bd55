"""申领 by a person who declared before: the identity and address on record (masked), and

    1 今日无发热咳嗽、近14天未离开本市、无接触史，确认提交   (two messages in all)
    2 有变化        only the health questions (steps 6 to 9) again, the identity kept
    3 修改个人信息  the whole declaration
    0 取消

for the account's own person, or the family member chosen with 切换 (``member``). Options 1
and 2 file through ``bot.services.declarations.declare_again``, the same use cases as a full
declaration.
"""

from __future__ import annotations

from datetime import date

from bot.conversation.flow import CANCEL, FINISH, Answers, Ask, Flow, Step
from bot.conversation.flows.declare import (
    DECLARE,
    DECLARING,
    HEALTH_QUESTIONS,
    MEMBER,
    district_name,
    identity_lines,
    submitted_for,
)
from bot.conversation.opening import start
from bot.conversation.parsers import parse_choice
from bot.conversation.replies import code_reply
from bot.conversation.turn import Turn
from bot.services.declarations.declare_again import Health, Kept, Trip, declare_again
from bot.texts import t

SAME, CHANGED, EDIT = "same", "changed", "edit"


def again_answers(kept: Kept) -> Answers:
    """What the flow knows from the start: whom it is for, and what is kept (masked)."""
    answers: Answers = {
        "kept": {
            "name": kept.name_masked,
            "doc_type": kept.doc_type,
            "document": kept.document_masked,
            "phone": kept.phone_masked,
            "relation": kept.relation,
        },
        "district": kept.district,
        "trip": [kept.trip.place, kept.trip.returned_on.isoformat()] if kept.trip else None,
    }
    if kept.relation is not None:
        answers["member"] = kept.person_id
    return answers


def _menu(ask: Ask, a: Answers) -> str:
    lang, kept = ask.lang, a["kept"]
    if kept["relation"]:
        relation = t(f"family.relation_{kept['relation']}", lang)
        whose = t("declare.again_whose_member", lang, relation=relation, name=kept["name"])
    else:
        whose = t("declare.again_whose_own", lang)
    if a["trip"]:
        place, day = a["trip"]
        same = t("declare.again_same_with_trip", lang, place=place, date=day)
    else:
        same = t("declare.again_same", lang)
    district = district_name(ask.region.by_adcode(a["district"]), lang)
    return t(
        "declare.again", lang, whose=whose, same=same, district=district,
        **identity_lines(kept, lang),
    )  # fmt: skip


def _after_choice(a: Answers) -> str:
    return {SAME: FINISH, CHANGED: "left_city", EDIT: FINISH}.get(a["choice"], CANCEL)


CHOICE = Step(
    "choice",
    _menu,
    lambda raw, _ask, _a: parse_choice(raw, {"1": SAME, "2": CHANGED, "3": EDIT, "0": CANCEL}),
    _after_choice,
)


def _health(a: Answers) -> Health:
    trip = None
    if a["left_city"]:
        trip = Trip(a["from_city"], date.fromisoformat(a["return_date"]))
    return Health(trip, frozenset(a["symptoms"]), a["contact"])


async def _finish(turn: Turn, a: Answers) -> str:
    member = a.get("member")
    if a["choice"] == EDIT:
        if member is None:
            return await start(turn, DECLARE)
        return await start(turn, MEMBER, {"member": member})
    health = _health(a) if a["choice"] == CHANGED else None
    declared = await declare_again(turn.rt, turn.account_id, member, health)
    if member is not None:
        return submitted_for(declared, turn.lang)
    return t("declare.submitted", turn.lang) + "\n\n" + code_reply(declared.view, turn.lang)


AGAIN = Flow(
    "declare_again",
    (CHOICE, *HEALTH_QUESTIONS),
    _finish,
    keep_on_restart=frozenset({"kept", "district", "trip", "member"}),
    hint=DECLARING,
)

"""交接码: issue a transfer code for a record one manages, or enter one received.

Four short flows, each started by the one before it once the service has answered:
``transfer`` (enter or issue?), ``transfer_issue`` (for whom, and for what), ``transfer_code``
(the code received) and its confirmation, ``transfer_self`` (this is my own record) or
``transfer_guardian`` (how the record is related to me).
"""

from __future__ import annotations

from bot.conversation.flow import CANCEL, FINISH, Answers, Ask, Flow, Step, then
from bot.conversation.opening import explain, start
from bot.conversation.parsers import parse_choice
from bot.conversation.replies import local_time
from bot.conversation.turn import Turn
from bot.health.errors import InvalidInput
from bot.health.transfer_codes import Purpose, parse_transfer_code
from bot.services.family import claims, transfers
from bot.texts import t

_RELATIONS = {"1": "spouse", "2": "parent", "3": "child", "0": CANCEL}
# a code that does not work is asked for again; any other refusal ends the dialogue
_ASK_AGAIN = frozenset({"transfer.invalid", "transfer.code_format"})
_HINT = "dialogue.in_progress.transfer"


async def start_transfer(turn: Turn) -> str:
    """交接码: a menu when the account manages a record it could issue a code for; straight to
    entering one otherwise (nothing to issue: the code must come from someone else)."""
    options = await transfers.transferable(turn.rt, turn.account_id)
    if not options:
        return await start_entering(turn)
    entries = [
        {
            "id": o.member.person_id,
            "name": o.member.name_masked,
            "relation": o.member.relation,
            "purposes": [p.value for p in o.purposes],
        }
        for o in options
    ]
    return await start(turn, MENU, {"options": entries})


async def start_entering(turn: Turn) -> str:
    await claims.check_claims(turn.rt, turn.account_id)
    return await start(turn, ENTER)


async def enter_code(turn: Turn, raw_code: str) -> str:
    """A code received (typed after 交接码, or alone at the ``code`` step): say what it does
    and ask to confirm. A code that does not work is asked for again."""
    try:
        offer = await transfers.offer_of(turn.rt, turn.account_id, raw_code)
    except InvalidInput as refusal:
        if refusal.code not in _ASK_AGAIN:
            raise
        return explain(refusal, turn.lang) + "\n\n" + await start(turn, ENTER)
    answers = {"code": raw_code, "name": offer.name_masked}
    if offer.purpose is Purpose.HAND_OVER:
        return await start(turn, ACCEPT_SELF, answers)
    return await start(turn, ACCEPT_GUARDIAN, answers)


# --- the menu ------------------------------------------------------------------------------


async def _menu_chosen(turn: Turn, a: Answers) -> str:
    if a["choice"] == "enter":
        return await start_entering(turn)
    options = a["options"]
    if len(options) == 1:
        return await _issue_or_ask_purpose(turn, {"options": options, "whom": 0})
    return await start(turn, ISSUE, {"options": options})


MENU = Flow(
    "transfer",
    (
        Step(
            "choice",
            lambda ask, _a: t("transfer.menu", ask.lang),
            lambda raw, _ask, _a: parse_choice(raw, {"1": "enter", "2": "issue", "0": CANCEL}),
            lambda a: CANCEL if a["choice"] == CANCEL else FINISH,
        ),
    ),
    _menu_chosen,
    hint=_HINT,
)


# --- issuing -------------------------------------------------------------------------------


def _whom_menu(ask: Ask, a: Answers) -> str:
    lines = []
    for number, entry in enumerate(a["options"], start=1):
        if entry["relation"] is None:
            lines.append(t("transfer.whom_self", ask.lang, number=number))
        else:
            who = t(f"family.relation_{entry['relation']}", ask.lang)
            lines.append(
                t("transfer.whom_line", ask.lang, number=number, name=entry["name"], who=who)
            )
    return t("transfer.whom_menu", ask.lang, choices="\n".join(lines))


def _pick_whom(raw: str, _ask: Ask, a: Answers) -> object:
    numbers: dict[str, object] = {str(n): n - 1 for n in range(1, len(a["options"]) + 1)}
    return parse_choice(raw, {**numbers, "0": CANCEL})


def _purpose_menu(ask: Ask, a: Answers) -> str:
    return t("transfer.purpose_menu", ask.lang, name=a["options"][a["whom"]]["name"])


def _after_whom(a: Answers) -> str:
    if a["whom"] == CANCEL:
        return CANCEL
    return "purpose" if len(a["options"][a["whom"]]["purposes"]) > 1 else FINISH


async def _issue_or_ask_purpose(turn: Turn, a: Answers) -> str:
    if len(a["options"][a["whom"]]["purposes"]) > 1:
        return await start(turn, ISSUE, a, at="purpose")
    return await _issue(turn, a)


async def _issue(turn: Turn, a: Answers) -> str:
    entry = a["options"][a["whom"]]
    purpose = Purpose(a.get("purpose") or entry["purposes"][0])
    person_id = entry["id"] if entry["relation"] else None
    issued = await transfers.issue_transfer_code(turn.rt, turn.account_id, person_id, purpose)
    lang = turn.lang
    words = {"name": issued.name_masked, "code": issued.code}
    own = entry["relation"] is None
    kind = f"{purpose.value}_own" if own else purpose.value
    return t(
        "transfer.issued",
        lang,
        code=issued.code,
        purpose=t(f"transfer.purpose_{kind}", lang, **words),
        how=t(f"transfer.how_{purpose.value}", lang, **words),
        until=local_time(issued.expires_at),
    )


ISSUE = Flow(
    "transfer_issue",
    (
        Step("whom", _whom_menu, _pick_whom, _after_whom),
        Step(
            "purpose",
            _purpose_menu,
            lambda raw, _ask, _a: parse_choice(
                raw, {"1": Purpose.HAND_OVER.value, "2": Purpose.ADD_GUARDIAN.value, "0": CANCEL}
            ),
            lambda a: CANCEL if a["purpose"] == CANCEL else FINISH,
        ),
    ),
    _issue,
    hint=_HINT,
)


# --- entering a code received --------------------------------------------------------------


async def _entered(turn: Turn, a: Answers) -> str:
    return await enter_code(turn, a["code"])


ENTER = Flow(
    "transfer_code",
    (
        Step(
            "code",
            lambda ask, _a: t("transfer.ask_code", ask.lang),
            lambda raw, _ask, _a: parse_transfer_code(raw),
            then(FINISH),
        ),
    ),
    _entered,
    hint=_HINT,
)


async def _handed_over(turn: Turn, a: Answers) -> str:
    accepted = await transfers.redeem_transfer_code(turn.rt, turn.account_id, a["code"])
    return t("transfer.handed_over", turn.lang, name=accepted.name_masked)


async def _guardian_added(turn: Turn, a: Answers) -> str:
    accepted = await transfers.redeem_transfer_code(
        turn.rt, turn.account_id, a["code"], a["relation"]
    )
    relation = t(f"family.relation_{accepted.relation}", turn.lang)
    return t("transfer.guardian_added", turn.lang, name=accepted.name_masked, relation=relation)


ACCEPT_SELF = Flow(
    "transfer_self",
    (
        Step(
            "confirm",
            lambda ask, a: t("transfer.confirm_hand_over", ask.lang, name=a["name"]),
            lambda raw, _ask, _a: parse_choice(raw, {"1": FINISH, "0": CANCEL}),
            lambda a: a["confirm"],
        ),
    ),
    _handed_over,
    hint=_HINT,
)
ACCEPT_GUARDIAN = Flow(
    "transfer_guardian",
    (
        Step(
            "relation",
            lambda ask, a: t("transfer.ask_relation", ask.lang, name=a["name"]),
            lambda raw, _ask, _a: parse_choice(raw, _RELATIONS),
            lambda a: CANCEL if a["relation"] == CANCEL else FINISH,
        ),
    ),
    _guardian_added,
    hint=_HINT,
)
TRANSFER_FLOWS = (MENU, ISSUE, ENTER, ACCEPT_SELF, ACCEPT_GUARDIAN)

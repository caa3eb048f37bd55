"""申领: the declaration script (docs/architecture.md), steps 1–9 as data."""

from __future__ import annotations

from datetime import date

from bot.conversation.flow import CANCEL, FINISH, RESTART, Answers, Ask, Flow, Step, then
from bot.conversation.parsers import (
    parse_choice,
    parse_city,
    parse_relation,
    parse_return_date,
    parse_symptoms,
    parse_yes_no,
)
from bot.conversation.replies import code_reply
from bot.conversation.turn import Turn
from bot.health.districts import District, haversine_km
from bot.health.identity import (
    DocType,
    mask_document,
    parse_doc_type,
    parse_document,
    parse_name,
    parse_phone,
)
from bot.services.declarations.declare import DeclarationInput, Declared, declare_for_self
from bot.services.family.members import declare_for_family, declare_for_member
from bot.services.residents.people import Identity
from bot.texts import t


def doc_type_name(doc_type: str, lang: str) -> str:
    return t(f"identity.doc_types.{doc_type}", lang)


def district_menu(ask: Ask) -> str:
    names = (d.name_en if ask.lang == "en" else d.name for _, d in ask.region.numbered())
    return "\n".join(f"{n} {name}" for n, name in enumerate(names, start=1))


def _prompt(key: str):
    return lambda ask, _answers: t(f"declare.{key}", ask.lang)


def summary(ask: Ask, a: Answers) -> str:
    lang = ask.lang
    district = ask.region.by_adcode(a["district"])
    header = ""
    kept = a.get("kept")  # declaring again: the identity on record, already masked
    relation = a.get("relation") or (kept or {}).get("relation")
    if relation:
        header = t("family.for_relation", lang, relation=t(f"family.relation_{relation}", lang))
        header += "\n"
    return header + t(
        "declare.summary",
        lang,
        **(identity_lines(kept, lang) if kept else _typed_identity(a, lang)),
        district=district_name(district, lang),
        travel=_travel(a, lang),
        symptoms=_symptoms(a["symptoms"], lang),
        contact=t("declare.contact_yes" if a["contact"] else "declare.contact_no", lang),
        notice=far_notice(ask, district),
    )


def _typed_identity(a: Answers, lang: str) -> dict[str, str]:
    return {
        "name": a["name"],
        "doc_type": doc_type_name(a["doc_type"], lang),
        "document": mask_document(a["doc_number"]),
        "phone": a.get("phone") or t("declare.no_phone", lang),
    }


def identity_lines(kept: dict, lang: str) -> dict[str, str]:
    """The identity kept on record (masked when it was read), for a summary or the menu."""
    return {
        "name": kept["name"],
        "doc_type": doc_type_name(kept["doc_type"], lang),
        "document": kept["document"],
        "phone": kept["phone"] or t("declare.no_phone", lang),
    }


def district_name(district: District, lang: str) -> str:
    return district.name_en if lang == "en" else district.name


# FAQ 12: a position far from the declared district earns a notice, never a refusal.
FAR_KM = 30.0


def far_notice(ask: Ask, district: District) -> str:
    if ask.position is None:
        return ""
    km = haversine_km(*ask.position, district.lat, district.lng)
    if km <= FAR_KM:
        return ""
    name = district.name_en if ask.lang == "en" else district.name
    return t("declare.far_notice", ask.lang, district=name, km=round(km))


def _travel(a: Answers, lang: str) -> str:
    if not a["left_city"]:
        return t("declare.travel_no", lang)
    return t("declare.travel_yes", lang, place=a["from_city"], date=a["return_date"])


def _symptoms(symptoms: list[str], lang: str) -> str:
    if not symptoms:
        return t("declare.symptoms_none", lang)
    return ("、" if lang == "zh" else ", ").join(t(f"declare.{s}", lang) for s in symptoms)


def parse_optional_phone(raw: str) -> str | None:
    return None if raw.strip() in ("0", "０") else parse_phone(raw)


NAME_STEPS = (
    Step("name", _prompt("ask_name"), lambda raw, _ask, _a: parse_name(raw), then("doc_type")),
    Step(
        "doc_type",
        _prompt("ask_doc_type"),
        lambda raw, _ask, _a: parse_doc_type(raw).value,
        then("doc_number"),
    ),
    Step(
        "doc_number",
        lambda ask, a: t(
            "declare.ask_doc_number", ask.lang, doc_type=doc_type_name(a["doc_type"], ask.lang)
        ),
        lambda raw, ask, a: parse_document(DocType(a["doc_type"]), raw, ask.today),
        then("phone"),
    ),
)
PERSON_STEPS = (
    *NAME_STEPS,
    Step("phone", _prompt("ask_phone"), lambda raw, _ask, _a: parse_phone(raw), then("district")),
)
# a family member may have no phone (FAQ 18: the elderly without a smartphone)
MEMBER_STEPS = (
    *NAME_STEPS,
    Step(
        "phone",
        lambda ask, _a: t("family.ask_phone_optional", ask.lang),
        lambda raw, _ask, _a: parse_optional_phone(raw),
        then("district"),
    ),
)

DISTRICT_STEP = Step(
    "district",
    lambda ask, _a: t("declare.ask_district", ask.lang, districts=district_menu(ask)),
    lambda raw, ask, _a: ask.region.parse_district(raw).adcode,
    then("left_city"),
)
# steps 6 to 9: what is asked anew each time (declaring again asks only these)
HEALTH_QUESTIONS = (
    Step(
        "left_city",
        _prompt("ask_left_city"),
        lambda raw, _ask, _a: parse_yes_no(raw),
        lambda a: "from_city" if a["left_city"] else "symptoms",
    ),
    Step(
        "from_city",
        _prompt("ask_from_city"),
        lambda raw, _ask, _a: parse_city(raw),
        then("return_date"),
    ),
    Step(
        "return_date",
        lambda ask, _a: t("declare.ask_return_date", ask.lang, example=ask.today.isoformat()),
        lambda raw, ask, _a: parse_return_date(raw, ask.today).isoformat(),
        then("symptoms"),
    ),
    Step(
        "symptoms",
        _prompt("ask_symptoms"),
        lambda raw, _ask, _a: parse_symptoms(raw),
        then("contact"),
    ),
    Step(
        "contact", _prompt("ask_contact"), lambda raw, _ask, _a: parse_yes_no(raw), then("confirm")
    ),
    Step(
        "confirm",
        summary,
        lambda raw, _ask, _a: parse_choice(raw, {"1": FINISH, "2": RESTART, "0": CANCEL}),
        lambda a: a["confirm"],
    ),
)
HEALTH_STEPS = (DISTRICT_STEP, *HEALTH_QUESTIONS)


def declaration_input(a: Answers) -> DeclarationInput:
    return DeclarationInput(
        who=Identity(a["name"], DocType(a["doc_type"]), a["doc_number"], a.get("phone")),
        district_adcode=a["district"],
        left_city=a["left_city"],
        # a trip answered, then taken back (上一步) by answering "no", is not declared
        from_city=a.get("from_city") if a["left_city"] else None,
        return_date=date.fromisoformat(a["return_date"]) if a["left_city"] else None,
        symptoms=frozenset(a["symptoms"]),
        contact=a["contact"],
    )


async def submit(turn: Turn, answers: Answers) -> str:
    declared = await declare_for_self(turn.rt, turn.account_id, declaration_input(answers))
    return t("declare.submitted", turn.lang) + "\n\n" + code_reply(declared.view, turn.lang)


async def submit_for_family(turn: Turn, answers: Answers) -> str:
    declared = await declare_for_family(
        turn.rt, turn.account_id, answers["relation"], declaration_input(answers)
    )
    return submitted_for(declared, turn.lang)


async def submit_for_member(turn: Turn, answers: Answers) -> str:
    declared = await declare_for_member(
        turn.rt, turn.account_id, answers["member"], declaration_input(answers)
    )
    return submitted_for(declared, turn.lang)


def submitted_for(declared: Declared, lang: str) -> str:
    done = t("family.submitted_for", lang, name=declared.view.name_masked)
    return done + "\n\n" + code_reply(declared.view, lang)


RELATION = Step(
    "relation",
    lambda ask, _a: t("family.ask_relation", ask.lang),
    lambda raw, _ask, _a: parse_relation(raw),
    then("name"),
)

DECLARING = "dialogue.in_progress.declare"
FOR_FAMILY = "dialogue.in_progress.family"
DECLARE = Flow("declare", PERSON_STEPS + HEALTH_STEPS, submit, hint=DECLARING)
FAMILY = Flow(
    "family",
    (RELATION, *MEMBER_STEPS, *HEALTH_STEPS),
    submit_for_family,
    frozenset({"relation"}),
    hint=FOR_FAMILY,
)
# 申领 while acting for a family member (after 切换): answers["member"] names them
MEMBER = Flow(
    "member", MEMBER_STEPS + HEALTH_STEPS, submit_for_member, frozenset({"member"}), FOR_FAMILY
)

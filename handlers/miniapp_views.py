"""The mini-program's answers as JSON: masked people, codes with their token, appeals."""

from __future__ import annotations

from typing import Any

from bot.services.appeals.filing import AppealView
from bot.services.appeals.history import AppealRecord
from bot.services.codes.paper import Printed
from bot.services.family.members import Member
from bot.services.family.transfers import Accepted, Issued
from bot.services.residents.miniapp import Me, OwnPerson, Shown


def me_json(me: Me) -> dict[str, Any]:
    return {
        "lang": me.lang,
        "person": _own_json(me.person) if me.person else None,
        "family": [_member_json(m) for m in me.family],
        "current_person_id": me.current_person_id,
    }


def _own_json(person: OwnPerson) -> dict[str, Any]:
    return {
        "person_id": person.person_id,
        "name": person.name_masked,
        "doc_type": person.doc_type,
        "doc_number": person.document_masked,
        "phone": person.phone_masked,
        "district": person.district,
        "color": person.color,
    }


def _member_json(member: Member) -> dict[str, Any]:
    return {
        "person_id": member.person_id,
        "name": member.name_masked,
        "relation": member.relation,
        "color": member.color.value if member.color else None,
        "self_managed": member.self_managed,
    }


def code_json(shown: Shown) -> dict[str, Any]:
    view, live = shown.view, shown.live
    return {
        "person_id": view.person_id,
        "name": view.name_masked,
        "color": live.color.value,
        "reasons": list(view.reasons),
        "token": live.token,
        "issued_at": live.issued_at.isoformat(),
        "expires_at": live.expires_at.isoformat(),
        "page_url": view.page_url,
    }


def issued_json(issued: Issued) -> dict[str, Any]:
    return {
        "code": issued.code,
        "purpose": issued.purpose.value,
        "person_id": issued.person_id,
        "name": issued.name_masked,
        "expires_at": issued.expires_at.isoformat(),
    }


def printed_json(printed: Printed) -> dict[str, Any]:
    return {
        "person_id": printed.person_id,
        "name": printed.name_masked,
        "issued_at": printed.issued_at.isoformat(),
        "page_url": printed.page_url,
        "qr_url": printed.qr_url,
        "revoked_earlier": printed.revoked,
    }


def accepted_json(accepted: Accepted) -> dict[str, Any]:
    return {
        "person_id": accepted.person_id,
        "name": accepted.name_masked,
        "purpose": accepted.purpose.value,
        "relation": accepted.relation,
    }


def appeal_json(view: AppealView) -> dict[str, Any]:
    return {
        "appeal_id": view.id,
        "person_id": view.person_id,
        "status": view.status,
        "created_at": view.created_at.isoformat(),
    }


def appeals_json(history: list[AppealRecord]) -> dict[str, Any]:
    return {"appeals": [_record_json(record) for record in history]}


def _record_json(record: AppealRecord) -> dict[str, Any]:
    return {
        "appeal_id": record.id,
        "person_id": record.person_id,
        "text": record.text,
        "status": record.status,
        "decision": record.decision,
        "reply": record.reply,
        "created_at": record.created_at.isoformat(),
        "resolved_at": record.resolved_at.isoformat() if record.resolved_at else None,
    }

"""The mini-program's operations (docs/architecture.md)."""

from __future__ import annotations

from handlers import request_bodies as bodies
from handlers.api_spec.schemas import (
    COLOR,
    MOMENT,
    NULLABLE_COLOR,
    Schema,
    answer,
    body,
    idempotency_key,
    ref,
    refusals,
)

SESSION: list[dict[str, list[str]]] = [{"miniappSession": []}]
PERSON_ID: Schema = {"type": "string", "description": "a person's opaque public id"}
RELATION: Schema = {"enum": ["spouse", "parent", "child"]}


def person_query(description: str) -> Schema:
    """The optional ``?person_id=`` that names a family member the account acts for."""
    return {
        "name": "person_id",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


SESSION_TOKEN: Schema = {
    "type": "object",
    "required": ["token", "expires_in"],
    "additionalProperties": False,
    "properties": {
        "token": {"type": "string", "description": "send as `Authorization: Bearer <token>`"},
        "expires_in": {"type": "integer", "minimum": 1, "description": "seconds"},
    },
}
OWN_PERSON: Schema = {
    "type": "object",
    "required": ["person_id", "name", "doc_type", "doc_number", "phone", "district", "color"],
    "additionalProperties": False,
    "properties": {
        "person_id": PERSON_ID,
        "name": {"type": "string", "description": "masked: 张*三"},
        "doc_type": {"type": "string"},
        "doc_number": {"type": "string", "description": "masked: 1201**********123X"},
        "phone": {"type": ["string", "null"], "description": "masked: 138****5678"},
        "district": {"type": ["integer", "null"], "description": "adcode"},
        "color": NULLABLE_COLOR,
    },
}
MEMBER: Schema = {
    "type": "object",
    "required": ["person_id", "name", "relation", "color", "self_managed"],
    "additionalProperties": False,
    "properties": {
        "person_id": PERSON_ID,
        "name": {"type": "string"},
        "relation": RELATION,
        "color": NULLABLE_COLOR,
        "self_managed": {
            "type": "boolean",
            "description": "the member manages their own record (files for themself; the "
            "account still shows the code, and issues no transfer code for it)",
        },
    },
}
ME: Schema = {
    "type": "object",
    "required": ["lang", "person", "family", "current_person_id"],
    "additionalProperties": False,
    "properties": {
        "lang": {"enum": ["zh", "en"]},
        "person": {"oneOf": [ref("OwnPerson"), {"type": "null"}]},
        "family": {"type": "array", "maxItems": 3, "items": ref("Member")},
        "current_person_id": {
            "type": ["string", "null"],
            "description": "whose code `GET /api/miniapp/code` shows without `person_id`",
        },
    },
}
CODE: Schema = {
    "type": "object",
    "required": [
        "person_id", "name", "color", "reasons", "token", "issued_at", "expires_at", "page_url",
    ],
    "additionalProperties": False,
    "properties": {
        "person_id": PERSON_ID,
        "name": {"type": "string", "description": "masked"},
        "color": COLOR,
        "reasons": {"type": "array", "items": {"type": "string"}},
        "token": {"type": "string", "description": "the signed token the QR carries"},
        "issued_at": MOMENT,
        "expires_at": MOMENT,
        "page_url": {"type": "string", "description": "the code page, which refreshes itself"},
    },
}  # fmt: skip
APPEAL_FILED: Schema = {
    "type": "object",
    "required": ["appeal_id", "person_id", "status", "created_at"],
    "additionalProperties": False,
    "properties": {
        "appeal_id": {"type": "integer"},
        "person_id": PERSON_ID,
        "status": {"const": "open"},
        "created_at": MOMENT,
    },
}
APPEAL_RECORD: Schema = {
    "type": "object",
    "required": [
        "appeal_id", "person_id", "text", "status", "decision", "reply", "created_at",
        "resolved_at",
    ],
    "additionalProperties": False,
    "properties": {
        "appeal_id": {"type": "integer"},
        "person_id": PERSON_ID,
        "text": {"type": "string", "description": "what the resident wrote"},
        "status": {"enum": ["open", "resolved"]},
        "decision": {"enum": ["accept", "reject", None], "description": "null while open"},
        "reply": {"type": ["string", "null"], "description": "the official's answer"},
        "created_at": MOMENT,
        "resolved_at": {**MOMENT, "type": ["string", "null"]},
    },
}  # fmt: skip
APPEALS: Schema = {
    "type": "object",
    "required": ["appeals"],
    "additionalProperties": False,
    "properties": {"appeals": {"type": "array", "items": ref("AppealRecord"), "maxItems": 20}},
}
ERASED: Schema = {
    "type": "object",
    "required": ["erased_people", "kept_until", "kept_by_family"],
    "additionalProperties": False,
    "properties": {
        "erased_people": {"type": "integer", "minimum": 0, "description": "own and family"},
        "kept_by_family": {
            "type": "boolean",
            "description": "the account's own record was kept, unlinked: family members "
            "still manage it (and were told)",
        },
        "kept_until": {
            "type": ["string", "null"],
            "format": "date",
            "description": "the last day the declarations and scans the law keeps are kept",
        },
    },
}

PURPOSE: Schema = {
    "enum": ["hand_over", "add_guardian"],
    "description": "`hand_over`: the member enters it in their own account and manages their "
    "own record from then on (the guardians keep showing the code); `add_guardian`: one more "
    "family member acts for the record",
}
TRANSFER_CODE: Schema = {
    "type": "object",
    "required": ["code", "purpose", "person_id", "name", "expires_at"],
    "additionalProperties": False,
    "properties": {
        "code": {
            "type": "string",
            "description": "8 characters (Crockford base32) shown as XXXX-XXXX, once: only its "
            "keyed hash is kept. One use; a new code of the same purpose ends it",
        },
        "purpose": PURPOSE,
        "person_id": PERSON_ID,
        "name": {"type": "string", "description": "masked"},
        "expires_at": {**MOMENT, "description": "24 hours after issue"},
    },
}
TRANSFERRED: Schema = {
    "type": "object",
    "required": ["person_id", "name", "purpose", "relation"],
    "additionalProperties": False,
    "properties": {
        "person_id": PERSON_ID,
        "name": {"type": "string", "description": "masked"},
        "purpose": PURPOSE,
        "relation": {"enum": ["spouse", "parent", "child", None]},
    },
}

FAQ_ENTRY: Schema = {
    "type": "object",
    "required": ["id", "faq_questions", "question", "answer", "source"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "description": "the entry's stable id"},
        "faq_questions": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 1,
            "description": "the numbers of the region's FAQ questions the entry answers",
        },
        "question": {"type": "string"},
        "answer": {"type": "string", "description": "the hotline filled in"},
        "source": {"type": "string", "description": "天津健康码答疑 第8、20问"},
    },
}
FAQ_MATCH: Schema = {
    **FAQ_ENTRY,
    "required": [*FAQ_ENTRY["required"], "confidence"],
    "properties": {
        **FAQ_ENTRY["properties"],
        "confidence": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "the share of the question the entry explains",
        },
    },
}
FAQ_LIST: Schema = {
    "type": "object",
    "required": ["name", "hotline", "entries"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "description": "the FAQ's title"},
        "hotline": {"type": "string"},
        "entries": {"type": "array", "items": ref("FaqEntry")},
    },
}
FAQ_ANSWER: Schema = {
    "type": "object",
    "required": ["query", "lang", "match", "hotline"],
    "additionalProperties": False,
    "properties": {
        "query": {"type": "string"},
        "lang": {"enum": ["zh", "en"], "description": "the answer's: the question's language"},
        "match": {
            "oneOf": [ref("FaqMatch"), {"type": "null"}],
            "description": "null: the FAQ has no answer; say so and give the hotline",
        },
        "hotline": {"type": "string"},
    },
}
PRINTED_CODE: Schema = {
    "type": "object",
    "required": ["person_id", "name", "issued_at", "page_url", "qr_url", "revoked_earlier"],
    "additionalProperties": False,
    "properties": {
        "person_id": PERSON_ID,
        "name": {"type": "string", "description": "masked"},
        "issued_at": {**MOMENT, "description": "when it was printed (the sheet shows the day)"},
        "page_url": {
            "type": "string",
            "description": "`/p/{ticket}`: the sheet laid out for A6 paper, to print",
        },
        "qr_url": {"type": "string", "description": "`/p/{ticket}/qr.png`: its QR alone"},
        "revoked_earlier": {
            "type": "integer",
            "minimum": 0,
            "description": "paper codes of this person printed before, revoked by this one",
        },
    },
}

SCHEMAS: dict[str, Schema] = {
    "PrintedCode": PRINTED_CODE,
    "MiniappSession": SESSION_TOKEN,
    "OwnPerson": OWN_PERSON,
    "Member": MEMBER,
    "Me": ME,
    "Code": CODE,
    "AppealFiled": APPEAL_FILED,
    "AppealRecord": APPEAL_RECORD,
    "Appeals": APPEALS,
    "Erased": ERASED,
    "TransferCode": TRANSFER_CODE,
    "Transferred": TRANSFERRED,
    "FaqEntry": FAQ_ENTRY,
    "FaqMatch": FAQ_MATCH,
    "FaqList": FAQ_LIST,
    "FaqAnswer": FAQ_ANSWER,
}

PATHS = {
    "/api/miniapp/login": {
        "post": {
            "tags": ["mini-program"],
            "summary": "Exchange a wx.login() code for a session token",
            "operationId": "miniappLogin",
            "requestBody": body(bodies.MiniappLogin),
            "responses": {
                "200": answer("A session token.", ref("MiniappSession")),
                **refusals(400, 401, 413, 422, 503),
            },
        }
    },
    "/api/miniapp/me": {
        "get": {
            "tags": ["mini-program"],
            "summary": "The account's own person (masked), its family members, the current one",
            "operationId": "miniappMe",
            "security": SESSION,
            "responses": {"200": answer("The account.", ref("Me")), **refusals(401)},
        },
        "delete": {
            "tags": ["mini-program"],
            "summary": "注销: delete the account and its records (what the law keeps waits, "
            "unreachable, for the retention days)",
            "operationId": "miniappErase",
            "security": SESSION,
            "responses": {"200": answer("Erased.", ref("Erased")), **refusals(401)},
        },
    },
    "/api/miniapp/declarations": {
        "post": {
            "tags": ["mini-program"],
            "summary": "File a declaration for oneself or a family member, or declare again with "
            "nothing changed (`same_as_last`); answers the code",
            "operationId": "miniappDeclare",
            "security": SESSION,
            "parameters": [idempotency_key("files nothing twice")],
            "requestBody": body(bodies.Declaration, bodies.SameAsLast),
            "responses": {
                "200": answer(
                    "Filed already under this Idempotency-Key: that person's code.", ref("Code")
                ),
                "201": answer("Filed; the person's code.", ref("Code")),
                **refusals(400, 401, 404, 409, 413, 422, 429),
            },
        }
    },
    "/api/miniapp/transfer-codes": {
        "post": {
            "tags": ["mini-program"],
            "summary": "交接码: a one-time code, valid 24 h, that hands a member's record over to "
            "them or lets one more family member act for it",
            "operationId": "miniappIssueTransferCode",
            "security": SESSION,
            "requestBody": body(bodies.TransferCodeRequest),
            "responses": {
                "201": answer("The code, shown this once.", ref("TransferCode")),
                **refusals(400, 401, 404, 409, 413, 422),
            },
        }
    },
    "/api/miniapp/transfers": {
        "post": {
            "tags": ["mini-program"],
            "summary": "Redeem a 交接码: take one's own record over, or become a guardian; "
            "everyone else who shows the code is told",
            "operationId": "miniappRedeemTransferCode",
            "security": SESSION,
            "requestBody": body(bodies.Transfer),
            "responses": {
                "201": answer("Done.", ref("Transferred")),
                **refusals(400, 401, 409, 413, 422, 429),
            },
        }
    },
    "/api/miniapp/printed-code": {
        "post": {
            "tags": ["mini-program"],
            "summary": "A paper code (FAQ 18) for someone without a phone: its QR holds a "
            "reference token whose scan reads the live colour; printing again revokes the last",
            "operationId": "miniappPrintCode",
            "security": SESSION,
            "requestBody": body(bodies.PrintedCodeRequest),
            "responses": {
                "201": answer("Printed; the sheet's link.", ref("PrintedCode")),
                **refusals(400, 401, 404, 413, 422),
            },
        }
    },
    "/api/miniapp/code": {
        "get": {
            "tags": ["mini-program"],
            "summary": "A code with a freshly signed token",
            "operationId": "miniappCode",
            "security": SESSION,
            "parameters": [person_query("absent: the account's current person")],
            "responses": {"200": answer("The code.", ref("Code")), **refusals(401, 404)},
        }
    },
    "/api/miniapp/appeals": {
        "post": {
            "tags": ["mini-program"],
            "summary": "Ask officials to correct a colour (one open appeal per person)",
            "operationId": "miniappAppeal",
            "security": SESSION,
            "requestBody": body(bodies.Appeal),
            "responses": {
                "201": answer("Filed.", ref("AppealFiled")),
                **refusals(400, 401, 404, 409, 413, 422),
            },
        },
        "get": {
            "tags": ["mini-program"],
            "summary": "The account's appeals for a person, newest first, with the answers",
            "operationId": "miniappAppeals",
            "security": SESSION,
            "parameters": [person_query("absent: the account's own person")],
            "responses": {"200": answer("The appeals.", ref("Appeals")), **refusals(401, 404)},
        },
    },
    "/api/miniapp/faq": {
        "get": {
            "tags": ["mini-program"],
            "summary": "Residents' questions: the FAQ's entries, or with `q` the answer to one",
            "description": "Without `q`: every entry, in the account's language. With `q`: the "
            "entry that answers it, in the language it was asked in, with the confidence, or "
            "`match: null` when no entry is sure enough (the question is kept, its numbers "
            "masked, for officials).",
            "operationId": "miniappFaq",
            "security": SESSION,
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                    "description": "a resident's question as typed",
                }
            ],
            "responses": {
                "200": answer(
                    "The entries, or the answer to `q`.",
                    {"oneOf": [ref("FaqList"), ref("FaqAnswer")]},
                ),
                **refusals(401, 422),
            },
        }
    },
}

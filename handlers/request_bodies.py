"""Every JSON request body of the API, one struct each (``handlers.bodies``): the same
declaration checks a request's shape and types and writes its schema in
``GET /api/openapi.json``. What a value means (a document's checksum, a phone, a date, a
district, a tier) the handlers ask the domain's parsers, on the fields read here.

The mini-program's bodies refuse a field they do not declare (``miniapp.unknown_field``); the
staff's tools have always been free to send more than a route reads.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from msgspec import Meta

from bot.health.identity import DocType
from bot.health.transfer_codes import Purpose
from bot.services.appeals.answers import MAX_REPLY_LENGTH
from bot.services.appeals.filing import MAX_TEXT_LENGTH as MAX_APPEAL
from bot.services.feeds.records import MAX_SOURCE
from bot.services.officials.broadcasts import MAX_TEXT_LENGTH as MAX_BROADCAST
from bot.services.redecide.tiers import MAX_NOTE
from handlers.bodies import Body, Refusal, refused

MAX_LOGIN_CODE = 128
MAX_TOKEN_LENGTH = 512  # a longer text is cut, not refused: judged, it is invalid anyway
MAX_DOCUMENT_NUMBER = 64  # a document number is at most 18 characters, however it is spaced
MAX_FEED_RECORDS = 20_000
MIN_TEMPERATURE, MAX_TEMPERATURE = 34, 43

UNNAMED_TEMPERATURE = Refusal("scan.temperature", names_field=False)
Language = Literal["zh", "en"]  # bot.texts.LANGUAGES (a test holds them equal)
Relation = Literal["spouse", "parent", "child"]  # bot.services.family.members.RELATIONS
Symptom = Literal["fever", "cough"]

PersonId = Annotated[
    str | None,
    Meta(description="a family member the account acts for; absent or null: the account's own"),
]
Temperature = Annotated[
    Annotated[float, Meta(ge=MIN_TEMPERATURE, le=MAX_TEMPERATURE)] | None,
    Meta(
        description="degrees Celsius, when it was taken",
        extra=refused(wrong_type=UNNAMED_TEMPERATURE, invalid=UNNAMED_TEMPERATURE),
    ),
]
Place = Annotated[str | None, Meta(description="where the checkpoint is")]


# --- the mini-program ------------------------------------------------------------------------


class MiniappBody(Body, forbid_unknown_fields=True):
    """A mini-program's body: no field it does not declare, and no text with a control
    character (a line break aside) the chat could not have been sent either."""

    unprintable = re.compile("[\x00-\x09\x0b-\x1f\x7f\ud800-\udfff]")


class MiniappLogin(MiniappBody):
    code: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=MAX_LOGIN_CODE,
            description="the code `wx.login()` returned",
            extra=refused(invalid="miniapp.login_code_format"),
        ),
    ]
    lang: Annotated[
        Language | None,
        Meta(description="the language of later answers", extra=refused(invalid="miniapp.lang")),
    ] = None


class Declaration(MiniappBody):
    """Validated as the chat validates the same answers. `phone` is required for oneself,
    optional for a family member; `from_city` and `return_date` (YYYY-MM-DD, within 14 days)
    are required when `left_city` is true. `person_id` and `relation` exclude each other."""

    name: Annotated[str, Meta(description="2–30 characters as on the document")]
    doc_type: Annotated[DocType, Meta(extra=refused(invalid="miniapp.doc_type"))]
    doc_number: Annotated[str, Meta(description="checked for its type (a checksum, a format)")]
    district: Annotated[int, Meta(description="the district's adcode")]
    left_city: Annotated[bool, Meta(description="left the city in the last 14 days")]
    symptoms: Annotated[
        list[Symptom],
        Meta(description="today's symptoms", extra=refused(invalid="miniapp.symptoms")),
    ]
    contact: Annotated[bool, Meta(description="contact with a case")]
    phone: Annotated[str | None, Meta(description="a mainland mobile number")] = None
    from_city: Annotated[str | None, Meta(description="where from, when `left_city`")] = None
    return_date: Annotated[str | None, Meta(description="YYYY-MM-DD, when `left_city`")] = None
    person_id: PersonId = None
    relation: Annotated[
        Relation | None,
        Meta(
            description="adds a new family member with this relation to the account's person",
            extra=refused(invalid="miniapp.relation"),
        ),
    ] = None
    same_as_last: Annotated[
        bool | None,
        Meta(
            description="false or absent: a full declaration (see `SameAsLast` for true)",
            extra_json_schema={"enum": [False, None]},
        ),
    ] = None


class SameAsLast(MiniappBody):
    """Declaring again when nothing changed (the chat's `申领` option 1): the identity and
    address on record, no fever or cough today, no contact with a case, and no trip, except a
    return the last declaration gave that is still within the 14 days, which stays declared.
    Filed like any declaration: the rules decide the colour, and an `Idempotency-Key` names it
    as it does a full one. A person who never declared is refused with 409
    `declare.no_earlier`."""

    # the answers are the ones on record: one given here would be silently ignored
    unknown_field = "miniapp.same_as_last_alone"

    same_as_last: Annotated[bool, Meta(extra_json_schema={"const": True})]
    person_id: PersonId = None


class Appeal(MiniappBody):
    text: Annotated[str, Meta(description=f"1–{MAX_APPEAL} characters")]
    person_id: PersonId = None


class TransferCodeRequest(MiniappBody):
    """A guardian issues either kind for a member without an account of their own; a person
    who manages their own record issues `add_guardian` for it (no `person_id`)."""

    purpose: Annotated[
        Purpose,
        Meta(
            description="`hand_over`: the member enters it in their own account and manages "
            "their own record from then on (the guardians keep showing the code); "
            "`add_guardian`: one more family member acts for the record",
            extra=refused(invalid="miniapp.purpose"),
        ),
    ]
    person_id: PersonId = None


class Transfer(MiniappBody):
    code: Annotated[str, Meta(description="as received; case, spaces and dashes do not matter")]
    relation: Annotated[
        Relation | None,
        Meta(
            description="for an `add_guardian` code (required there): the record's relation "
            "to the account's person",
            extra=refused(invalid="miniapp.relation"),
        ),
    ] = None


class PrintedCodeRequest(MiniappBody):
    person_id: PersonId = None


# --- checkpoint staff ------------------------------------------------------------------------


class Scan(Body):
    token: Annotated[
        str,
        Meta(
            min_length=1,
            description="the text read from a resident's QR",
            extra=refused(wrong_type="api.missing", invalid="api.missing"),
        ),
    ]
    temperature: Temperature = None
    place: Place = None


class Lookup(Body):
    """A person with no code to show, looked up by document: answered like a scan. Every
    lookup is logged with the keyed hash of the number (never the number); each worker may
    make `HC_LOOKUPS_PER_MINUTE` (20) a minute, in bursts of `HC_LOOKUP_BURST` (10)."""

    doc_type: Annotated[
        DocType, Meta(extra=refused(wrong_type="lookup.doc_type", invalid="lookup.doc_type"))
    ]
    doc_number: Annotated[
        str,
        Meta(
            max_length=MAX_DOCUMENT_NUMBER,
            description="checked as a declaration checks it (a wrong checksum: 400)",
            # in the document only: a blank number is the handler's api.missing, not a length's
            extra_json_schema={"minLength": 1},
            extra=refused(wrong_type="api.missing", invalid="lookup.doc_number_length"),
        ),
    ]
    temperature: Temperature = None
    place: Place = None


# --- officials -------------------------------------------------------------------------------


class SetTier(Body):
    tier: Annotated[
        str,
        Meta(
            description="low, medium or high",
            extra=refused(missing="tiers.unknown_tier", wrong_type="tiers.unknown_tier"),
        ),
    ]
    note: Annotated[str | None, Meta(description=f"at most {MAX_NOTE} characters")] = None


class Feed(Body):
    source: Annotated[
        str,
        Meta(
            description=f"the feed's name, at most {MAX_SOURCE} characters",
            extra=refused(wrong_type=Refusal("feeds.source", {"max": MAX_SOURCE})),
        ),
    ]
    records: Annotated[
        list[Any],
        Meta(
            max_length=MAX_FEED_RECORDS,
            description=(
                "Each `{record_id, doc_type, doc_number, status, since, until?}`; `since` and "
                "`until` are a day (`2026-12-01`) or an RFC 3339 instant with its offset "
                "(`2026-12-01T18:00:00+08:00`). A malformed record is reported in `rejected` "
                "and the others still import."
            ),
            extra=refused(
                missing="feeds.records",
                wrong_type="feeds.records",
                invalid=Refusal("feeds.too_many", {"max": MAX_FEED_RECORDS}),
            ),
        ),
    ]


class Broadcast(Body):
    text: Annotated[str, Meta(description=f"at most {MAX_BROADCAST} characters")]
    districts: Annotated[
        list[int | str] | None,
        Meta(
            description="adcodes; absent: everyone (an empty list is refused)",
            extra=refused(
                invalid=Refusal("broadcasts.unknown_district", value_param="adcode"),
            ),
        ),
    ] = None


class Resolution(Body):
    decision: Annotated[
        Literal["accept", "reject"],
        Meta(
            extra=refused(
                missing="appeals.decision",
                wrong_type="appeals.decision",
                invalid="appeals.decision",
            )
        ),
    ]
    reply: Annotated[
        str, Meta(description=f"to the resident, at most {MAX_REPLY_LENGTH} characters")
    ]
    color: Annotated[
        str | None,
        Meta(
            description="green, orange or red, with until",
            extra=refused(wrong_type="appeals.color"),
        ),
    ] = None
    until: Annotated[
        str | None,
        Meta(
            description="a date or an ISO 8601 moment",
            extra=refused(wrong_type="appeals.until_format"),
        ),
    ] = None


# every body a route reads: their schemas are components of the OpenAPI document
BODIES: tuple[type[Body], ...] = (
    MiniappLogin,
    Declaration,
    SameAsLast,
    Appeal,
    TransferCodeRequest,
    Transfer,
    PrintedCodeRequest,
    Scan,
    Lookup,
    SetTier,
    Feed,
    Broadcast,
    Resolution,
)

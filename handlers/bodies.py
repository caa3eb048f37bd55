"""Declaring a JSON request body: one ``msgspec.Struct`` per body, whose fields say their type,
their limits and their description. The same declaration checks a request
(``handlers.json_input.read_body``) and writes the body's schema in ``GET /api/openapi.json``
(``handlers.api_spec``), so the document cannot say one thing while the check does another.

A field's refusals are today's catalogue keys: ``api.missing``, ``api.wrong_type``,
``miniapp.unknown_field`` unless the field names its own (``refused``). msgspec says what it
refused as a sentence with a path (``Expected `str`, got `int` - at `$.name```);
``refusal`` reads it back into the field and the kind of fault, and answers with the key
the field declares for that kind. The tests of ``tests/unit/test_bodies.py`` hold every
sentence this reads, so a msgspec that words them otherwise fails there first.

The struct checks shape and types only; what a value means (a document number's checksum, a
phone, a date, a district that exists) stays with the domain's parsers, which the handlers
call on the struct's fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from bot.health.errors import InvalidInput

MAX_FIELD_NAME = 64  # a refusal names at most this much of a field nobody declared
_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]*)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>[^`]*)`$")
_WRONG_TYPE = re.compile(r"^Expected `[^`]*`, got `(?P<got>[^`]*)`$")


@dataclass(frozen=True)
class Refusal:
    """A catalogue key and its params; ``value_param`` names the param that is given the text
    of the refused value itself (12 characters of it at most). ``names_field``: the answer's
    ``field`` names the field (a scan's temperature has always been refused without it)."""

    code: str
    params: dict[str, object] = field(default_factory=dict)
    value_param: str | None = None
    names_field: bool = True


def refused(
    *,
    missing: str | Refusal | None = None,
    wrong_type: str | Refusal | None = None,
    invalid: str | Refusal | None = None,
) -> dict[str, Refusal]:
    """A field's own refusals, for ``msgspec.Meta(extra=refused(...))``: ``missing`` (absent or
    null), ``wrong_type`` (a JSON type the field cannot hold), ``invalid`` (the right type
    outside the field's limits or choices, or anything wrong inside a list)."""
    given = {"missing": missing, "wrong_type": wrong_type, "invalid": invalid}
    return {
        kind: value if isinstance(value, Refusal) else Refusal(value)
        for kind, value in given.items()
        if value is not None
    }


class Body(msgspec.Struct):
    """The base of every request body. ``unknown_field`` answers a field the body does not
    declare, on the bodies that forbid them (``forbid_unknown_fields=True``); a text field
    holding a character of ``unprintable`` is refused with ``miniapp.unprintable``."""

    unknown_field: ClassVar[str] = "miniapp.unknown_field"
    unprintable: ClassVar[re.Pattern[str] | None] = None


DEFAULTS = {
    "missing": Refusal("api.missing"),
    "wrong_type": Refusal("api.wrong_type"),
    "invalid": Refusal("api.wrong_type"),
}


def refusal(kind: type[Body], error: msgspec.ValidationError, body: dict[str, Any]) -> InvalidInput:
    """msgspec's refusal of ``body`` as ``kind``, as the refusal the field declares."""
    match = _AT.match(str(error))
    assert match is not None  # the pattern matches any text
    what, steps = match["what"], _steps(match["path"] or "")
    if (unknown := _UNKNOWN.match(what)) and not steps:
        return InvalidInput(kind.unknown_field, field=unknown["name"][:MAX_FIELD_NAME])
    if (missing := _MISSING.match(what)) and not steps:
        return _answer(kind, missing["name"], "missing", body)
    if not steps or not isinstance(steps[0], str):  # not reached: bodies are objects
        return InvalidInput("api.not_object")
    name, inner = steps[0], steps[1:]
    wrong = _WRONG_TYPE.match(what)
    if inner:  # something inside a list or an object: the field as a whole is refused
        fault = "invalid"
    elif wrong and wrong["got"] == "null":
        fault = "missing"  # null stands for absent, as it always has on these routes
    else:
        fault = "wrong_type" if wrong else "invalid"
    return _answer(kind, name, fault, _value(body, steps))


def _answer(kind: type[Body], name: str, fault: str, value: object) -> InvalidInput:
    declared = refusals_of(kind).get(name, {})
    chosen = declared.get(fault) or DEFAULTS[fault]
    params = {"field": name, **chosen.params} if chosen.names_field else dict(chosen.params)
    if chosen.value_param is not None:
        params[chosen.value_param] = str(value)[:12]
    return InvalidInput(chosen.code, **params)


def _steps(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _STEP.findall(path)]


def _value(body: object, steps: list[str | int]) -> object:
    """What the body holds at ``steps`` (None where it holds nothing)."""
    for step in steps:
        if isinstance(step, str) and isinstance(body, dict):
            body = body.get(step)
        elif isinstance(step, int) and isinstance(body, list) and step < len(body):
            body = body[step]
        else:
            return None
    return body


_REFUSALS: dict[type, dict[str, dict[str, Refusal]]] = {}


def refusals_of(kind: type[Body]) -> dict[str, dict[str, Refusal]]:
    """Each field's declared refusals, read once from the struct's annotations."""
    known = _REFUSALS.get(kind)
    if known is None:
        info = msgspec.inspect.type_info(kind)
        assert isinstance(info, msgspec.inspect.StructType)
        known = _REFUSALS[kind] = {f.name: _declared(f.type) for f in info.fields}
    return known


def _declared(info: msgspec.inspect.Type) -> dict[str, Refusal]:
    pending, found = [info], {}
    while pending:  # through unions (a field that may be null) and their metadata
        item = pending.pop()
        if isinstance(item, msgspec.inspect.Metadata):
            found.update(item.extra or {})
            pending.append(item.type)
        elif isinstance(item, msgspec.inspect.UnionType):
            pending.extend(item.types)
    return {kind: value for kind, value in found.items() if isinstance(value, Refusal)}


def refuse_unprintable(struct: Body) -> None:
    """The first text field (in declaration order) holding a character its body's
    ``unprintable`` finds, refused."""
    pattern = struct.unprintable
    if pattern is None:
        return
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if isinstance(value, str) and pattern.search(value):
            raise InvalidInput("miniapp.unprintable", field=name)

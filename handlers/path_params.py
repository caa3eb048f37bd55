"""Path parameters, parsed once, by type: a route's ``{name}`` names one kind of value
(``PARAMETERS``), read by that kind's parser before the handler runs.

Each handler used to read its own: one bounded an appeal id to 32 bits, the console's copy
only counted digits, and PostgreSQL answered ``value out of int32 range`` with a 500. Now a
value no row can have (out of range, not digits, full-width digits) is a 404 on every route,
the same as an id that exists nowhere: ``path_value`` gives the handler the parsed value, or
raises the parameter's ``NotFound``, which each channel answers its own way (JSON, the
console's page) after its own checks (a caller without credentials still gets 401).

``typed_paths`` wraps the routes that have parameters (the others pay nothing) and refuses, at
start-up, a route whose parameter has no type here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiohttp import web

from bot.services.errors import NotFound

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_DATABASE_ID = 2**31 - 1  # our ids are 32-bit integer columns
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: int() would also read "１２"
_ADCODE = re.compile(r"[0-9]{6}")
_NAME = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class PathParameter(Generic[T]):
    name: str
    parse: Callable[[str], T | None]  # None: nothing can have this value
    not_found: str  # the 404's sentence; it may use {<name>}, the value as given (cut short)


def _database_id(raw: str) -> int | None:
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_DATABASE_ID else None


def _adcode(raw: str) -> int | None:
    return int(raw) if _ADCODE.fullmatch(raw) else None


def _ticket(raw: str) -> str:
    return raw  # verified by its service, whose refusal is the code page's own friendly page


APPEAL_ID = PathParameter("appeal_id", _database_id, "appeals.not_found")
ADCODE = PathParameter("adcode", _adcode, "tiers.unknown_district")
TICKET = PathParameter("ticket", _ticket, "page.link_invalid")
PARAMETERS: dict[str, PathParameter[Any]] = {p.name: p for p in (APPEAL_ID, ADCODE, TICKET)}

_VALUES = web.RequestKey("path_values", dict)


@dataclass(frozen=True)
class _NoSuch:
    raw: str  # as given, for the refusal's sentence


def path_value(request: web.Request, parameter: PathParameter[T]) -> T:
    """The parameter's parsed value; ``NotFound`` when nothing can have the one given."""
    value = request[_VALUES][parameter.name]
    if isinstance(value, _NoSuch):
        raise NotFound(parameter.not_found, **{parameter.name: value.raw[:12]})
    return value


def parameter_names(path: str) -> list[str]:
    return _NAME.findall(path)


def typed_paths(routes: Iterable[web.RouteDef]) -> list[web.RouteDef]:
    """The routes, those with parameters wrapped to parse them; raises ``ValueError`` for a
    parameter of no known type."""
    typed = []
    for route in routes:
        names = parameter_names(route.path)
        unknown = [name for name in names if name not in PARAMETERS]
        if unknown:
            raise ValueError(
                f"{route.method} {route.path}: path parameter {unknown[0]!r} has no type in "
                "handlers/path_params.py PARAMETERS"
            )
        if names:
            route = web.RouteDef(route.method, route.path, _parsing(route.handler), route.kwargs)
        typed.append(route)
    return typed


def _parsing(handler: Handler) -> Handler:
    @functools.wraps(handler)  # what the route declares on its handler stays readable
    async def parsed(request: web.Request) -> web.StreamResponse:
        values: dict[str, Any] = {}
        for name, raw in request.match_info.items():
            value = PARAMETERS[name].parse(raw)
            values[name] = _NoSuch(raw) if value is None else value
        request[_VALUES] = values
        return await handler(request)

    return parsed

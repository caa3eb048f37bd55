"""Every route of the app and who may call it: the table the route-table and fuzz tests read.

A route the app mounts without a row here fails ``tests/e2e/test_route_table.py``: whoever
adds a route says who may call it, and the tests then try every other kind of caller on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Caller(Enum):
    """Who a route answers."""

    WECHAT = "the WeChat server (a signed callback)"
    SESSION = "a mini-program session (bearer)"
    CHECKPOINT = "a checkpoint worker (bearer)"
    OFFICIAL = "an official (bearer)"
    CONSOLE = "an official signed in to the console (session cookie)"
    PUBLIC = "anyone"


@dataclass(frozen=True)
class Route:
    caller: Caller
    # where the route takes a person id an account may or may not reach ("query" or "body")
    person_id: str | None = None
    # a body that is right but for whatever is under test (the route reads a JSON body)
    body: dict | None = None


ROUTES: dict[tuple[str, str], Route] = {
    # WeChat's callbacks
    ("GET", "/wechat"): Route(Caller.WECHAT),
    ("POST", "/wechat"): Route(Caller.WECHAT),
    # the code page: its ticket is the capability, signed and expiring
    ("GET", "/c/{ticket}"): Route(Caller.PUBLIC),
    ("GET", "/c/{ticket}/code.json"): Route(Caller.PUBLIC),
    ("GET", "/c/{ticket}/qr.png"): Route(Caller.PUBLIC),
    # a paper code's printable sheet: the same kind of capability, for one printed code
    ("GET", "/p/{ticket}"): Route(Caller.PUBLIC),
    ("GET", "/p/{ticket}/qr.png"): Route(Caller.PUBLIC),
    # what anyone may read
    ("GET", "/.well-known/health-code-keys"): Route(Caller.PUBLIC),
    ("GET", "/api/openapi.json"): Route(Caller.PUBLIC),
    ("GET", "/healthz"): Route(Caller.PUBLIC),
    ("GET", "/metrics"): Route(Caller.PUBLIC),  # counts only, no person; keep it off the internet
    # the mini-program
    ("POST", "/api/miniapp/login"): Route(Caller.PUBLIC, body={"code": "x"}),
    ("GET", "/api/miniapp/me"): Route(Caller.SESSION),
    ("DELETE", "/api/miniapp/me"): Route(Caller.SESSION),
    ("POST", "/api/miniapp/declarations"): Route(Caller.SESSION, "body", body={}),
    ("GET", "/api/miniapp/code"): Route(Caller.SESSION, "query"),
    ("POST", "/api/miniapp/appeals"): Route(Caller.SESSION, "body", body={"text": "请核实"}),
    ("GET", "/api/miniapp/appeals"): Route(Caller.SESSION, "query"),
    ("GET", "/api/miniapp/faq"): Route(Caller.SESSION),
    ("POST", "/api/miniapp/transfer-codes"): Route(
        Caller.SESSION, "body", body={"purpose": "add_guardian"}
    ),
    ("POST", "/api/miniapp/transfers"): Route(Caller.SESSION, body={"code": "K7Q2-M9XD"}),
    ("POST", "/api/miniapp/printed-code"): Route(Caller.SESSION, "body", body={}),
    # checkpoint staff
    ("POST", "/api/checkpoint/scan"): Route(Caller.CHECKPOINT, body={"token": "HC1:x"}),
    ("POST", "/api/checkpoint/lookup"): Route(
        Caller.CHECKPOINT, body={"doc_type": "resident_id", "doc_number": "11010519491231002X"}
    ),
    # officials, by API
    ("PUT", "/api/admin/districts/{adcode}/tier"): Route(
        Caller.OFFICIAL, body={"tier": "medium", "note": "x"}
    ),
    ("GET", "/api/admin/districts/{adcode}/tier"): Route(Caller.OFFICIAL),
    ("POST", "/api/admin/feeds"): Route(Caller.OFFICIAL, body={"source": "cdc", "records": []}),
    ("POST", "/api/admin/broadcasts"): Route(Caller.OFFICIAL, body={"text": "请按时申报"}),
    ("GET", "/api/admin/appeals"): Route(Caller.OFFICIAL),
    ("POST", "/api/admin/appeals/{appeal_id}/resolve"): Route(
        Caller.OFFICIAL, body={"decision": "reject", "reply": "x"}
    ),
    ("GET", "/api/admin/stats"): Route(Caller.OFFICIAL),
    # officials, in the console
    ("GET", "/console/login"): Route(Caller.PUBLIC),
    ("POST", "/console/login"): Route(Caller.PUBLIC),
    ("GET", "/console"): Route(Caller.CONSOLE),
    ("POST", "/console/logout"): Route(Caller.CONSOLE),
    ("POST", "/console/districts/{adcode}/tier"): Route(Caller.CONSOLE),
    ("POST", "/console/appeals/{appeal_id}/resolve"): Route(Caller.CONSOLE),
}


def concrete(path: str, values: dict[str, str]) -> str:
    """``path`` with its parameters filled (``values``: name → value)."""
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path

"""What went wrong when calling WeChat, sorted by what the caller should do next.

The outbox (docs/architecture.md) retries a `WeChatTransientError` with backoff and ends the notice
on a `WeChatPermanentError`, keeping `errcode`/`errmsg` as the reason; a `WeChatQuotaError` (a kind
of transient error) makes it wait until the quota resets, without spending an attempt. The
codes come from WeChat's global return codes (全局返回码) and the pages of the APIs this project
calls.
"""

from collections.abc import Mapping


class WeChatError(Exception):
    """A failed WeChat API call; `errcode` is None when WeChat never answered with one."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatTransientError(WeChatError):
    """Trying again later may work: WeChat is busy, a quota ran out, the network failed."""


class WeChatPermanentError(WeChatError):
    """Trying again will not help: the recipient or the request itself is the problem."""


class WeChatQuotaError(WeChatTransientError):
    """A quota ran out: the call works again once it resets, and not before. ``scope`` says
    whose quota: one API's for the whole account (``API_DAY``, ``API_MINUTE``) or the calls
    to one recipient (``RECIPIENT``)."""

    def __init__(self, errcode: int, errmsg: str, scope: str) -> None:
        super().__init__(errcode, errmsg)
        self.scope = scope


API_DAY, API_MINUTE, RECIPIENT = "api-day", "api-minute", "recipient"
# 45009: an API's daily quota (reset at midnight Beijing time, or by hand with clear_quota);
# 45011: its per-minute quota; 45047: the customer-service messages one user may receive
# since they last wrote. 43101 (a subscription refused or used up) is not a quota: permanent.
QUOTA_ERRCODES: Mapping[int, str] = {45009: API_DAY, 45011: API_MINUTE, 45047: RECIPIENT}


# The access token was refused: refresh it once and repeat the call (docs/architecture.md).
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})

# Our own credentials and network set-up are in this list on purpose: an operator can fix them,
# and until then every queued notice must wait rather than be thrown away.
TRANSIENT_ERRCODES: Mapping[int, str] = {
    -1: "system busy",
    40001: "access token invalid, even after a refresh",
    40013: "invalid appid (configuration)",
    40014: "access token invalid, even after a refresh",
    40125: "invalid appsecret (configuration)",
    40164: "server IP is not in the account's IP whitelist (configuration)",
    41001: "access token missing",
    42001: "access token expired, even after a refresh",
    45066: "same clientmsgid retried too fast",
}

# Documentation of the codes we expect; any code in neither list is permanent, since an
# unknown code almost always describes a request WeChat will refuse again.
PERMANENT_ERRCODES: Mapping[int, str] = {
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id (temporary media lives three days)",
    40008: "invalid message type",
    40029: "invalid js_code",
    40037: "invalid template_id",
    40130: "a mass send needs at least two openids",
    40163: "js_code already used",
    40226: "login blocked for a high-risk user",
    41030: "invalid mini-program page",
    43004: "the user does not follow the account",
    43019: "the user blocked the account",
    43101: "the user refused the subscription message (or used it up)",
    44002: "empty post data",
    45015: "outside the 48-hour customer-service window",
    45028: "no mass-send quota left",
    47001: "data format error",
    47003: "template argument invalid",
    48001: "API not authorised for this account",
    50001: "user not authorised",
    50002: "user limited",
}


def error_for_code(errcode: int, errmsg: str) -> WeChatError:
    """The exception for a WeChat `errcode` answer."""
    if errcode in QUOTA_ERRCODES:
        return WeChatQuotaError(errcode, errmsg, QUOTA_ERRCODES[errcode])
    if errcode in TRANSIENT_ERRCODES:
        return WeChatTransientError(errcode, errmsg)
    return WeChatPermanentError(errcode, errmsg)


def error_for_http(status: int | None, detail: str) -> WeChatError:
    """The exception for an answer without an errcode: an HTTP failure or no answer at all."""
    if status is None or status >= 500 or status == 429 or 200 <= status < 300:
        # No answer, an overloaded gateway, or a 200 that was not WeChat's JSON: try again later.
        return WeChatTransientError(None, detail)
    return WeChatPermanentError(None, detail)


class BadCallback(Exception):
    """A request to our callback URL that is not a genuine, well-formed WeChat message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ForgedCallback(BadCallback):
    """A callback WeChat did not sign, or signed for another account: not from WeChat."""


class StaleCallback(ForgedCallback):
    """A callback whose signed timestamp is outside the window: a replay, or a clock far off."""

"""Which WeChat API the service talks to: the platform, or in development the local sandbox.

With the sandbox on (``Settings.wechat_sandbox``: development without the account's
credentials), the server mounts the sandbox's API under ``/_sandbox/wechat/`` of its own port,
and every WeChat client of the service (the web process's, and ``healthcode scheduler``'s in a
process of its own) is aimed at it there; the mini-program, unless its own credentials are set,
gets the sandbox's. With the sandbox off, none of this exists: the clients go to
``WECHAT_API_BASE`` with the configured credentials.
"""

from __future__ import annotations

from bot.settings import Settings
from bot.wechat.api import WeChatGateway

SANDBOX_PREFIX = "/_sandbox/wechat"
# The sandbox's mini-program, for development without one of its own (any login code works).
SANDBOX_MINIAPP = ("wxsandboxminiapp00", "sandbox-miniapp-secret")
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def server_root(settings: Settings) -> str:
    """Where this machine reaches the server `serve` starts (a wildcard bind on loopback)."""
    host = "127.0.0.1" if settings.host in _WILDCARD_HOSTS else settings.host
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal in a URL
    return f"http://{host}:{settings.port}"


def api_base(settings: Settings) -> str:
    if settings.wechat_sandbox:
        return f"{server_root(settings)}{SANDBOX_PREFIX}/"
    return settings.wechat_api_base


def miniapp_credentials(settings: Settings) -> tuple[str, str] | None:
    if settings.miniapp_appid and settings.miniapp_secret:
        return settings.miniapp_appid, settings.miniapp_secret
    return SANDBOX_MINIAPP if settings.wechat_sandbox else None


def gateway_for(settings: Settings) -> WeChatGateway:
    miniapp = miniapp_credentials(settings) or (None, None)
    return WeChatGateway(
        settings.wechat_appid, settings.wechat_secret, api_base(settings), *miniapp
    )


def sandbox_notice(settings: Settings) -> str:
    """The one start-up line saying where messages go while the sandbox is on."""
    return (
        f"WeChat sandbox on (development, no WeChat credentials set): messages and uploads go "
        f"to {api_base(settings)} and stay in the server's memory, nothing is sent to WeChat; "
        f"`healthcode chat` shows what each openid was sent"
    )

"""Every setting of the service, read once from the environment (README.md).

In development (``HC_ENV=dev``, the default) a missing key is generated under ``data/``;
in production a missing key stops the start with a sentence saying which variable to set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: str = "dev"
    data_dir: Path = Path("data")
    database_url: str = "sqlite://data/healthcode.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8080
    public_base_url: str = "http://127.0.0.1:8080"
    wechat_appid: str = "wxdevappid000000"
    wechat_secret: str = "dev-secret"
    wechat_token: str = "dev-token"
    wechat_aes_key: str | None = None
    # plaintext mode signs the URL, not the body: production refuses it unless this says so
    wechat_allow_plaintext: bool = False
    wechat_api_base: str = "https://api.weixin.qq.com/"
    # development without the account's credentials: WeChat's API is the local sandbox
    # (bot/wechat/sandbox_setup.py, docs/development.md); production refuses it
    wechat_sandbox: bool = False
    miniapp_appid: str | None = None
    miniapp_secret: str | None = None
    template_code_changed: str | None = None
    # the subscribe-message template a mini-program account's code-change notice is sent with
    miniapp_template_code_changed: str | None = None
    # the template (official account) and subscribe template (mini-program) of an appeal's answer
    template_appeal_reply: str | None = None
    miniapp_template_appeal_reply: str | None = None
    # the template and subscribe template telling guardians a record changed hands (交接码)
    template_family_changed: str | None = None
    miniapp_template_family_changed: str | None = None
    # how long a mini-program session token (POST /api/miniapp/login) stays valid
    miniapp_session_lifetime: timedelta = timedelta(hours=2)
    data_key_hex: str | None = None
    signing_key_file: Path | None = None
    rules_file: Path | None = None
    # the residents' questions and answers (bot/faq/); None: the region's own (docs/regions.md)
    faq_file: Path | None = None
    # the region served (bot/regions/): a bundled one by adcode, or a region file of one's own;
    # build_runtime puts the loaded region's adcode here
    region_adcode: int = 120000
    region_file: Path | None = None
    # the hotline residents are told to call; empty: the region's (build_runtime fills it in)
    hotline: str = ""
    token_lifetime: timedelta = timedelta(seconds=120)
    # a signed callback whose timestamp is further off than this is not answered (WeChat's
    # guidance: 5 minutes); its nonce is remembered for that long on both sides of now
    # (bot/services/callbacks/replay.py)
    callback_window_seconds: int = 300
    # each process reads the trust list again this often: a removed region is refused
    # everywhere within it (bot/services/trust/trusted_keys.py)
    trust_cache_seconds: float = 10.0
    # each process looks at the signing key file this often, and picks up a rotation
    key_reload_seconds: float = 2.0
    ticket_lifetime: timedelta = timedelta(days=30)
    dialogue_idle: timedelta = timedelta(minutes=30)
    # messages a chat account may send, scans a checkpoint worker may make (0: off)
    messages_per_minute: int = 30
    message_burst: int = 10
    scans_per_minute: int = 120
    scan_burst: int = 30
    # ID-card lookups a checkpoint worker may make (docs/lookup.md): tighter, they leak more
    lookups_per_minute: int = 20
    lookup_burst: int = 10
    # scan logs are written by group commit: a batch waits this long for more scans to join
    scan_log_linger_ms: float = 1.0
    # a tier change touching more people than this is re-decided in the background (202)
    tier_wait_people: int = 20_000
    # attempts one WeChat user may make in an hour to claim or add a record they do not manage,
    # or to redeem a 交接码 (bot/services/family/claims.py)
    claims_per_hour: int = 10
    # re-decisions over many people (tiers, feeds, rulesets): batches run this many at once,
    # each on a pooled connection of its own (PostgreSQL; SQLite runs one at a time)
    redecide_workers: int = 3
    outbox_interval_seconds: float = 2.0
    # what several worker processes must share (WeChat nonces, rate limits): Redis, else the
    # database (nonces) and each process's memory (rate limits)
    redis_url: str | None = None
    run_scheduler: bool = True
    schedules: Schedules = field(default_factory=lambda: Schedules())
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        defaults = cls()
        port = _int(env, "PORT", defaults.port)
        host = env.get("HOST", defaults.host)
        environment = env.get("HC_ENV", "dev")
        if environment not in ENVIRONMENTS:
            raise SettingsError(f"HC_ENV must be dev or prod, not {environment!r}")
        data_dir = Path(env.get("HC_DATA_DIR", str(defaults.data_dir)))
        return cls(
            env=environment,
            data_dir=data_dir,
            # without DATABASE_URL the SQLite file lives with the keys, in HC_DATA_DIR
            database_url=env.get("DATABASE_URL", f"sqlite://{data_dir}/healthcode.sqlite3"),
            host=host,
            port=port,
            public_base_url=env.get("PUBLIC_BASE_URL", f"http://{host}:{port}").rstrip("/"),
            wechat_appid=env.get("WECHAT_APPID", defaults.wechat_appid),
            wechat_secret=env.get("WECHAT_SECRET", defaults.wechat_secret),
            wechat_token=env.get("WECHAT_TOKEN", defaults.wechat_token),
            wechat_aes_key=env.get("WECHAT_AES_KEY") or None,
            wechat_allow_plaintext=env.get("WECHAT_ALLOW_PLAINTEXT") == "1",
            wechat_api_base=env.get("WECHAT_API_BASE", defaults.wechat_api_base),
            wechat_sandbox=_sandbox(env, environment),
            miniapp_appid=env.get("MINIAPP_APPID") or None,
            miniapp_secret=env.get("MINIAPP_SECRET") or None,
            template_code_changed=env.get("WECHAT_TEMPLATE_CODE_CHANGED") or None,
            miniapp_template_code_changed=env.get("MINIAPP_TEMPLATE_CODE_CHANGED") or None,
            template_appeal_reply=env.get("WECHAT_TEMPLATE_APPEAL_REPLY") or None,
            miniapp_template_appeal_reply=env.get("MINIAPP_TEMPLATE_APPEAL_REPLY") or None,
            template_family_changed=env.get("WECHAT_TEMPLATE_FAMILY_CHANGED") or None,
            miniapp_template_family_changed=env.get("MINIAPP_TEMPLATE_FAMILY_CHANGED") or None,
            miniapp_session_lifetime=timedelta(
                seconds=_int(env, "HC_MINIAPP_SESSION_SECONDS", 7200)
            ),
            data_key_hex=env.get("HC_DATA_KEY") or None,
            signing_key_file=_path(env, "HC_SIGNING_KEY_FILE"),
            rules_file=_path(env, "HC_RULES_FILE"),
            faq_file=_path(env, "HC_FAQ_FILE"),
            region_adcode=_int(env, "HC_REGION", defaults.region_adcode),
            region_file=_path(env, "HC_REGION_FILE"),
            hotline=env.get("HC_HOTLINE", defaults.hotline),
            token_lifetime=timedelta(seconds=_int(env, "HC_TOKEN_LIFETIME_SECONDS", 120)),
            trust_cache_seconds=_float(env, "HC_TRUST_CACHE_SECONDS", defaults.trust_cache_seconds),
            key_reload_seconds=_float(env, "HC_KEY_RELOAD_SECONDS", defaults.key_reload_seconds),
            messages_per_minute=_at_least(env, "HC_MESSAGES_PER_MINUTE", 30, 0),
            message_burst=_at_least(env, "HC_MESSAGE_BURST", 10, 1),
            scans_per_minute=_at_least(env, "HC_SCANS_PER_MINUTE", 120, 0),
            scan_burst=_at_least(env, "HC_SCAN_BURST", 30, 1),
            lookups_per_minute=_at_least(env, "HC_LOOKUPS_PER_MINUTE", 20, 0),
            lookup_burst=_at_least(env, "HC_LOOKUP_BURST", 10, 1),
            scan_log_linger_ms=_float(env, "HC_SCAN_LOG_LINGER_MS", defaults.scan_log_linger_ms),
            tier_wait_people=_at_least(env, "HC_TIER_WAIT_PEOPLE", 20_000, 0),
            claims_per_hour=_at_least(env, "HC_CLAIMS_PER_HOUR", 10, 1),
            redecide_workers=_at_least(env, "HC_REDECIDE_WORKERS", 3, 1),
            run_scheduler=env.get("HC_RUN_SCHEDULER", "1") not in ("0", "false", "no"),
            outbox_interval_seconds=_float(env, "HC_OUTBOX_INTERVAL_SECONDS", 2.0),
            redis_url=env.get("REDIS_URL") or None,
            schedules=Schedules.from_env(env),
        )


@dataclass(frozen=True)
class Schedules:
    """The scheduler's jobs (schedules/): how often, how much, and what residents are sent."""

    outbox_batch: int = 50
    # a claimed notice is due again after this: a sender that died mid-send loses nothing
    outbox_lease: timedelta = timedelta(seconds=60)
    outbox_concurrency: int = 4  # accounts served at once (one account's notices stay in order)
    wechat_rate_per_second: float = 20.0  # per WeChat API, to spare the account's quota
    redecide_interval_seconds: float = 60.0
    purge_interval_seconds: float = 600.0
    # tier changes whose work stopped part-way: looked for this often, finished when this old
    tier_resume_interval_seconds: float = 300.0
    tier_resume_after: timedelta = timedelta(minutes=30)
    reminder_time: time = time(9, 0)  # local time (Asia/Shanghai)
    reminder_after: timedelta = timedelta(days=7)
    retention_days: int = 28
    retention_time: time = time(3, 30)
    trust_refresh_time: time = time(4, 0)  # the daily re-fetch of trusted regions' keys
    leader_retry_seconds: float = 2.0
    template_reminder: str | None = None
    miniapp_template_reminder: str | None = None
    miniapp_code_page: str = "pages/code/index"

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Schedules:
        d = cls()
        retention_days = _int(env, "HC_RETENTION_DAYS", d.retention_days)
        if retention_days < MIN_RETENTION_DAYS:
            # the rules read the declarations of the last 14 days: deleting them changes codes
            raise SettingsError(f"HC_RETENTION_DAYS must be at least {MIN_RETENTION_DAYS}")
        return cls(
            outbox_batch=_int(env, "HC_OUTBOX_BATCH", d.outbox_batch),
            outbox_lease=timedelta(seconds=_int(env, "HC_OUTBOX_LEASE_SECONDS", 60)),
            outbox_concurrency=_int(env, "HC_OUTBOX_CONCURRENCY", d.outbox_concurrency),
            wechat_rate_per_second=_float(env, "HC_WECHAT_RATE_PER_SECOND", 20.0),
            redecide_interval_seconds=_float(env, "HC_REDECIDE_INTERVAL_SECONDS", 60.0),
            purge_interval_seconds=_float(env, "HC_PURGE_INTERVAL_SECONDS", 600.0),
            tier_resume_interval_seconds=_float(env, "HC_TIER_RESUME_SECONDS", 300.0),
            tier_resume_after=timedelta(minutes=_int(env, "HC_TIER_RESUME_AFTER_MINUTES", 30)),
            reminder_time=_clock_time(env, "HC_REMINDER_TIME", d.reminder_time),
            reminder_after=timedelta(days=_int(env, "HC_REMINDER_AFTER_DAYS", 7)),
            retention_days=retention_days,
            retention_time=_clock_time(env, "HC_RETENTION_TIME", d.retention_time),
            trust_refresh_time=_clock_time(env, "HC_TRUST_REFRESH_TIME", d.trust_refresh_time),
            leader_retry_seconds=_float(env, "HC_LEADER_RETRY_SECONDS", 2.0),
            template_reminder=env.get("WECHAT_TEMPLATE_REMINDER") or None,
            miniapp_template_reminder=env.get("MINIAPP_TEMPLATE_REMINDER") or None,
            miniapp_code_page=env.get("MINIAPP_CODE_PAGE") or d.miniapp_code_page,
        )


MIN_RETENTION_DAYS = 15
ENVIRONMENTS = ("dev", "prod")
# Any of these set means a real WeChat account (or a stand-in a test runs) is meant: no sandbox.
WECHAT_CREDENTIALS = (
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_API_BASE",
    "MINIAPP_APPID",
    "MINIAPP_SECRET",
)


def _sandbox(env: dict[str, str], environment: str) -> bool:
    """HC_WECHAT_SANDBOX: 1 on, 0 off; unset, on in development without WeChat credentials."""
    raw = env.get("HC_WECHAT_SANDBOX", "")
    if raw in ("1", "0"):
        return raw == "1"
    if raw:
        raise SettingsError(f"HC_WECHAT_SANDBOX must be 1, 0 or unset, not {raw!r}")
    return environment == "dev" and not any(env.get(name) for name in WECHAT_CREDENTIALS)


def _float(env: dict[str, str], name: str, default: float) -> float:
    return _parsed(env, name, default, float, "a number")


def _clock_time(env: dict[str, str], name: str, default: time) -> time:
    return _parsed(env, name, default, time.fromisoformat, "a time of day like 09:00")


def _int(env: dict[str, str], name: str, default: int) -> int:
    return _parsed(env, name, default, int, "a whole number")


def _at_least(env: dict[str, str], name: str, default: int, minimum: int) -> int:
    value = _int(env, name, default)
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _parsed(env: dict[str, str], name: str, default: T, parse: Callable[[str], T], what: str) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be {what}, not {raw!r}") from exc


def _path(env: dict[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw) if raw else None

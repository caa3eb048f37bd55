"""The application factory: ``create_app(settings) -> web.Application``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from bot.access_log import quiet_client_errors
from bot.app_state import BACKGROUND, CODEC, DATABASE_PING, DIALOGUES, GATEWAY, LIMITS, RUNTIME
from bot.background import BackgroundWork
from bot.conversation.store import TortoiseDialogueStore
from bot.db import close_database, open_database
from bot.edge import mount_edge
from bot.rate_limits import RequestLimits, request_limits
from bot.services.district_table import ensure_districts
from bot.services.readiness import database_ok
from bot.services.runtime import Runtime, build_runtime, utc_now
from bot.settings import Settings
from bot.shared_state import shared_state
from bot.single_flight import SingleFlight
from bot.wechat import CallbackCodec
from bot.wechat.sandbox import Sandbox
from bot.wechat.sandbox_api import SANDBOX, sandbox_api
from bot.wechat.sandbox_setup import (
    SANDBOX_PREFIX,
    gateway_for,
    miniapp_credentials,
    sandbox_notice,
)
from handlers import sandbox
from handlers.json_input import MAX_BODY_BYTES
from handlers.security_headers import set_security_headers
from schedules.leader import leadership_for
from schedules.runner import SchedulerRunner

log = logging.getLogger(__name__)


def create_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> web.Application:
    rt = build_runtime(settings, clock)
    quiet_client_errors()
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[RUNTIME] = rt
    app[DIALOGUES] = TortoiseDialogueStore(rt.sealer, settings.dialogue_idle)
    app[CODEC] = CallbackCodec(
        settings.wechat_token,
        settings.wechat_appid,
        settings.wechat_aes_key,
        max_skew=settings.callback_window_seconds,
        clock=lambda: rt.now().timestamp(),  # the runtime's clock, so tests can move it
    )
    app[LIMITS] = _request_limits(rt)
    app[BACKGROUND] = BackgroundWork()
    app[DATABASE_PING] = SingleFlight(database_ok)
    app.on_response_prepare.append(set_security_headers)
    mount_edge(app)
    if settings.wechat_sandbox:
        _mount_sandbox(app, settings)
    app.cleanup_ctx.append(shared_state)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_scan_log)  # after the database: its last batch written before it closes
    app.cleanup_ctx.append(_background_work)  # after the database: stopped before it closes
    app.cleanup_ctx.append(_wechat_gateway)
    app.cleanup_ctx.append(_key_watch)
    if settings.run_scheduler:
        app.cleanup_ctx.append(_scheduler)
    return app


def _mount_sandbox(app: web.Application, settings: Settings) -> None:
    """Development's stand-in for WeChat's API on this server's port (docs/development.md)."""
    kept = Sandbox()
    official = (settings.wechat_appid, settings.wechat_secret)
    miniapp = miniapp_credentials(settings)
    assert miniapp is not None  # the sandbox's own when none are set
    api = sandbox_api(kept, official, miniapp, middlewares=[sandbox.this_machine_only])
    app.add_subapp(SANDBOX_PREFIX, api)
    app[SANDBOX] = kept
    app.add_routes(sandbox.routes())

    async def answer_waiting_polls(_app: web.Application) -> None:
        kept.close()  # a long poll must not hold up the shutdown

    app.on_shutdown.append(answer_waiting_polls)


def _request_limits(rt: Runtime) -> RequestLimits:
    s = rt.settings

    def seconds() -> float:  # the runtime's clock, so tests can move it
        return rt.now().timestamp()

    return request_limits(
        s.redis_url,
        lambda: rt.redis,
        seconds,
        messages=(s.messages_per_minute, s.message_burst),
        scans=(s.scans_per_minute, s.scan_burst),
        lookups=(s.lookups_per_minute, s.lookup_burst),
    )


async def _background_work(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[BACKGROUND].stop()


async def _database(app: web.Application) -> AsyncIterator[None]:
    rt = app[RUNTIME]
    await open_database(rt.settings.database_url)
    try:
        added = await ensure_districts(rt)
    except BaseException:
        # a database of another region stops the start: close it, or its connection's
        # thread (aiosqlite's) keeps the process alive after the error is printed
        await close_database()
        raise
    if added:
        log.info("loaded %d districts", added)
    yield
    await close_database()


async def _scan_log(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[RUNTIME].scan_log.close()


async def _key_watch(app: web.Application) -> AsyncIterator[None]:
    """Look at the signing key file every few seconds: a rotation made by ``keys rotate`` (or
    a process started after it) is what this process signs with soon after."""
    rt = app[RUNTIME]

    async def watch() -> None:
        while True:
            await asyncio.sleep(rt.settings.key_reload_seconds)
            if rt.reload_keys():
                log.info("signing keys reloaded: signing with %s", rt.keyring.current.kid.hex())

    task = asyncio.get_running_loop().create_task(watch(), name="key-watch")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _wechat_gateway(app: web.Application) -> AsyncIterator[None]:
    s = app[RUNTIME].settings
    gateway = gateway_for(s)
    if s.wechat_sandbox:
        log.info(sandbox_notice(s))
    app[GATEWAY] = gateway
    yield
    await gateway.close()


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    # after the database in the same cleanup_ctx chain, so jobs see the ORM (docs/architecture.md);
    # the jobs run only while this process holds the leader lock (schedules/leader.py)
    rt = app[RUNTIME]
    runner = SchedulerRunner(rt, app[GATEWAY], leadership_for(rt.settings.database_url))
    runner.start()
    yield
    await runner.stop()

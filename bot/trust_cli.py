"""``healthcode trust add|list|refresh|remove``: the regions whose codes our checkpoints accept
(docs/trust.md). Each change is audited; a refusal is one sentence on stderr, exit status 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:  # the parser is built for every command: the service loads only for trust
    from bot.services.runtime import Runtime
    from bot.services.trust.refresh import Refreshed
    from bot.services.trust.trust_list import TrustView


def add_trust_parser(sub: argparse._SubParsersAction) -> None:
    trust = sub.add_parser("trust", help="the other regions whose codes our checkpoints accept")
    actions = trust.add_subparsers(dest="trust_action", required=True)
    add = actions.add_parser("add", help="fetch a region's published keys and trust them")
    add.add_argument("adcode", type=int, help="the region's adcode, e.g. 110000")
    add.add_argument("source", help="its /.well-known/health-code-keys URL, or a JWKS file")
    add.add_argument("--days", type=int, default=7, help="how long the keys stay good (7)")
    add.add_argument("--name", help="the region's name, when its key set does not say it")
    add.add_argument("--name-en", help="its English name")
    actions.add_parser("list", help="each trusted region, its kids and when its list goes stale")
    actions.add_parser("refresh", help="fetch every trusted region's keys again")
    remove = actions.add_parser("remove", help="stop accepting a region's codes")
    remove.add_argument("adcode", type=int)


async def run_trust(settings: Settings, args: argparse.Namespace) -> int:
    from bot.health.key_sets import KeySetError
    from bot.services.trust import trust_list as trust
    from bot.services.trust.refresh import refresh_trust_lists
    from bot.trust_fetch import fetch_key_set

    async with _runtime(settings) as rt:
        try:
            if args.trust_action == "add":
                trust.check_trust_request(rt, args.adcode, args.days)
                published = await fetch_key_set(args.source)
                view = await trust.add_trust(
                    rt, args.adcode, args.source, published, args.days, args.name, args.name_en
                )
                print(f"trusted {_line(view)}")
            elif args.trust_action == "list":
                for view in await trust.list_trust(rt):
                    print(_line(view))
            elif args.trust_action == "remove":
                view = await trust.remove_trust(rt, args.adcode)
                print(f"removed {view.adcode} {view.name}")
            else:
                return _report(await refresh_trust_lists(rt, fetch_key_set))
        except KeySetError as error:
            print(f"trust {args.trust_action}: {error}", file=sys.stderr)
            return 2
    return 0


def _report(outcomes: list[Refreshed]) -> int:
    for outcome in outcomes:
        if outcome.error:
            print(f"{outcome.adcode} not refreshed: {outcome.error}", file=sys.stderr)
        else:
            print(f"{outcome.adcode} refreshed from {outcome.source}")
    return 1 if any(outcome.error for outcome in outcomes) else 0


def _line(view: TrustView) -> str:
    when = view.expires_at.isoformat(timespec="seconds")
    state = f"STALE since {when}" if view.stale else f"stale from {when}"
    return f"{view.adcode} {view.name} kids={','.join(view.kids)} {state} source={view.source}"


@asynccontextmanager
async def _runtime(settings: Settings) -> AsyncIterator[Runtime]:
    from bot.db import apply_migrations, close_database, open_database
    from bot.services.runtime import build_runtime

    rt = build_runtime(settings)
    await apply_migrations(settings.database_url)
    await open_database(settings.database_url)
    try:
        yield rt
    finally:
        await close_database()

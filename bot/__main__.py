"""``healthcode …`` (``python -m bot …`` too): serve, chat, migrate, add-staff, keys, faq, more."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "chat":
        from bot.chat import main as chat_main

        return chat_main(rest)
    if rest:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    from bot.serving import LOG_FORMAT

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        settings = Settings.from_env()
        return COMMANDS[args.command](settings, args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthcode", description="Health code service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="apply migrations and run the web server (and the scheduler)"
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="web processes sharing the port (default 1); one of them runs the scheduled jobs",
    )
    sub.add_parser("migrate", help="apply the database migrations")
    sub.add_parser(
        "scheduler", help="run the scheduled jobs in their own process (one leader per database)"
    )
    sub.add_parser(
        "chat", help="talk to a running server as the WeChat server does", add_help=False
    )
    staff = sub.add_parser("add-staff", help="create a checkpoint worker or an official")
    staff.add_argument("--name", required=True)
    staff.add_argument("--role", required=True, choices=("checkpoint", "official"))
    keys = sub.add_parser("keys", help="show or rotate the code-signing keys")
    keys.add_argument("action", choices=("show", "rotate"))
    feed = sub.add_parser(
        "import-feed",
        help="import a health-authority feed (CSV or JSON lines); exits 1 if a line was refused",
    )
    feed.add_argument("file", help="CSV with a header line, or JSON lines (.jsonl)")
    feed.add_argument(
        "--source", default="authority", help="the feed's source (default: %(default)s)"
    )
    feed.add_argument("--lang", default="zh", choices=("zh", "en"), help="language of refusals")
    from bot.trust_cli import add_trust_parser

    add_trust_parser(sub)
    redecide = sub.add_parser(
        "redecide",
        help="apply the ruleset (HC_RULES_FILE) to every code decided under another version, "
        "and finish tier changes a stopped process left part-done",
    )
    redecide.add_argument("--all", action="store_true", help="re-decide every code")
    redecide.add_argument("--batch", type=int, default=1000, help="people per transaction")
    faq = sub.add_parser("faq", help="check a FAQ file against residents' questions")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    check = faq_sub.add_parser(
        "check",
        help="run a questions file (expected<TAB>question) against the FAQ and print its "
        "accuracy; exits 1 below 90 %% right answers or 90 %% fallbacks",
    )
    check.add_argument("file", help="the questions file, as tests/data/faq_questions.tsv")
    check.add_argument("--faq", help="the FAQ file to check (default: HC_FAQ_FILE, else Tianjin's)")
    return parser


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.regions import load_region
    from bot.serving import serve

    load_region(settings)  # a bad region stops the start before anything else is done

    if args.workers > 1 and settings.database_url.startswith("sqlite://:memory:"):
        print("configuration error: several workers cannot share an in-memory database")
        return 2
    if args.workers > 1 and settings.wechat_sandbox:
        # each worker would keep its own sandbox, and the chat would see a random one's
        print(
            "configuration error: the WeChat sandbox lives in one process: serve with one "
            "worker, or set the official account's credentials (WECHAT_APPID, WECHAT_SECRET)",
            file=sys.stderr,
        )
        return 2
    return serve(settings, args.workers)


def _scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.db import apply_migrations
    from bot.regions import load_region

    load_region(settings)
    from schedules.process import run

    asyncio.run(apply_migrations(settings.database_url))
    asyncio.run(run(settings))
    return 0


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.db import apply_migrations

    asyncio.run(apply_migrations(settings.database_url))
    print("migrations applied")
    return 0


def _add_staff(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import apply_migrations, close_database, open_database
    from bot.services.access.staff import add_staff

    async def run() -> str:
        await apply_migrations(settings.database_url)
        await open_database(settings.database_url)
        try:
            staff, token = await add_staff(args.name, args.role)
        finally:
            await close_database()
        return f"{staff.role} #{staff.id} {staff.name}\ntoken (shown once, store it now): {token}"

    try:
        print(asyncio.run(run()))
    except ValueError as exc:  # a blank or over-long name: say so, no traceback
        print(f"add-staff: {exc}", file=sys.stderr)
        return 2
    return 0


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from bot.key_files import load_keyring, rotate_signing_key

    if args.action == "rotate":
        new = rotate_signing_key(settings)
        print(f"new signing key {new.kid.hex()}; older keys keep verifying until removed")
    for i, public in enumerate(load_keyring(settings).public_keys):
        from bot.health.tokens import kid_of

        print(f"{'signing' if i == 0 else 'verify '} kid={kid_of(public).hex()}")
    return 0


def _import_feed(settings: Settings, args: argparse.Namespace) -> int:
    from bot.officials_cli import import_feed_file

    return asyncio.run(import_feed_file(settings, args.file, args.source, args.lang))


def _trust(settings: Settings, args: argparse.Namespace) -> int:
    from bot.trust_cli import run_trust

    return asyncio.run(run_trust(settings, args))


def _redecide(settings: Settings, args: argparse.Namespace) -> int:
    from bot.officials_cli import redecide_codes

    return asyncio.run(redecide_codes(settings, every=args.all, batch=args.batch))


def _faq(settings: Settings, args: argparse.Namespace) -> int:
    from bot.faq_cli import check_questions

    faq_file = args.faq or (str(settings.faq_file) if settings.faq_file else None)
    return check_questions(args.file, faq_file)


COMMANDS = {
    "serve": _serve,
    "migrate": _migrate,
    "scheduler": _scheduler,
    "add-staff": _add_staff,
    "keys": _keys,
    "import-feed": _import_feed,
    "redecide": _redecide,
    "faq": _faq,
    "trust": _trust,
}

if __name__ == "__main__":
    sys.exit(main())

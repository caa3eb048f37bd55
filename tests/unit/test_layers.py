"""The layers of docs/architecture.md, checked on every import the product's modules make
(read from their source with ``ast``, so a lazy import inside a function counts too):

- ``bot.health`` is pure: the standard library, itself, and the few pure libraries it needs;
- ``models`` are Tortoise models: the standard library, Tortoise and themselves;
- services use the domain and the models, never a caller (handlers, the conversation, the
  scheduler's jobs, the app) nor the web framework or the scheduler;
- callers (handlers, the conversation, the jobs, the commands) reach the database only
  through services;
- only the WeChat adapter (``bot/wechat/``) imports wechatpy, and no service imports the
  adapter: services queue channel-neutral notices (``bot.services.notices.kinds``) and the
  adapter routes, lays out and sends them, reaching the database through services too;
- no test module is imported by another module of ``tests/``: helpers live in
  ``tests/support/``, fixtures in a tier's ``conftest.py`` (a fixture imported from a test
  module also runs that module's tests twice over, and needs a ``# noqa: F811`` per use).

``KNOWN`` lists the imports that break a rule today, each with the step that removes it; the
test fails when one of them is gone too, so the list only shrinks.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "handlers", "models", "schedules")

# bot.health's only libraries: AES-GCM, HMAC and Ed25519; the QR's Reed-Solomon tables; base45
PURE_LIBRARIES = {"cryptography", "nacl", "qrcode", "base45"}
# what calls the use cases: the channels, the scheduler's jobs, the app and the commands
CALLERS = (
    "handlers",
    "bot.conversation",
    "schedules",
    "bot.app",
    "bot.app_state",
    "bot.__main__",
    "bot.officials_cli",
    "bot.trust_cli",
    "bot.chat",
    "bot.serving",
)

KNOWN = {
    # the race of two deliveries of one message, seen as the unique index's refusal
    ("bot.conversation.inbox", "tortoise.exceptions"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(module: str, is_package: bool, source: str) -> Iterator[str]:
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            yield name
            # `from bot.wechat import payloads` may import the module bot.wechat.payloads
            yield from (f"{name}.{alias.name}" for alias in node.names if alias.name != "*")


def product_imports() -> set[tuple[str, str]]:
    modules = {module_name(p) for top in PRODUCT for p in (ROOT / top).rglob("*.py")}
    edges = set()
    for top in PRODUCT:
        for path in (ROOT / top).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for target in imports_of(module_name(path), path.name == "__init__.py", source):
                # our own modules by name; another library by the module imported from
                if target in modules or (target.split(".")[0] not in PRODUCT and is_module(target)):
                    edges.add((module_name(path), target))
    return edges


def is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a name inside a module: its parent is not a package
        return False


def within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names or module == "__future__"


def breaks(source: str, target: str) -> str | None:
    """The rule an import breaks, or None."""
    if within(source, "bot.health") and not (
        within(target, "bot.health") or is_stdlib(target) or within(target, *PURE_LIBRARIES)
    ):
        return "bot.health is pure"
    if within(source, "models") and not (within(target, "models", "tortoise") or is_stdlib(target)):
        return "models import only Tortoise"
    if within(source, "bot.services") and within(
        target, *CALLERS, "aiohttp", "apscheduler", "bot.wechat"
    ):
        return "services know no caller, framework or channel"
    if within(source, *CALLERS, "bot.wechat") and within(target, "models", "tortoise"):
        return "callers and the WeChat adapter reach the database through services"
    if within(target, "wechatpy") and not within(source, "bot.wechat"):
        return "only bot/wechat/ imports wechatpy"
    return None


def test_every_import_follows_the_layers() -> None:
    broken = sorted(
        f"{source} -> {target}: {rule}"
        for source, target in product_imports()
        if (rule := breaks(source, target)) and (source, target) not in KNOWN
    )
    assert not broken, "\n".join(broken)


def test_the_known_exceptions_still_exist() -> None:
    gone = KNOWN - product_imports()
    assert not gone, f"no longer imported, remove from KNOWN: {sorted(gone)}"


def test_imports_in_tests_are_read_as_modules() -> None:
    source = "from tests.e2e import test_miniapp\nfrom tests.support.chat import declare\n"
    found = set(imports_of("tests.e2e.test_credentials", False, source))
    assert {"tests.e2e.test_miniapp", "tests.support.chat.declare"} <= found


def is_test_module(module: str) -> bool:
    return module.split(".")[-1].startswith("test_")


def test_no_module_of_the_tests_imports_a_test_module() -> None:
    test_modules = {
        module_name(p) for p in (ROOT / "tests").rglob("*.py") if is_test_module(module_name(p))
    }
    found = sorted(
        f"{module_name(path)} imports {target}"
        for path in (ROOT / "tests").rglob("*.py")
        for target in imports_of(
            module_name(path), path.name == "__init__.py", path.read_text(encoding="utf-8")
        )
        if target in test_modules
    )
    assert not found, "\n".join(found)


def test_support_modules_define_no_fixtures() -> None:
    fixtures = sorted(
        f"{path.relative_to(ROOT)}: {node.name}"
        for path in (ROOT / "tests" / "support").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any("fixture" in ast.unparse(d) for d in node.decorator_list)
    )
    assert not fixtures, f"fixtures belong in a tier's conftest.py: {fixtures}"


def test_each_rule_catches_its_import() -> None:
    assert breaks("bot.health.tokens", "bot.services.codes.display")
    assert breaks("bot.health.rules.decide", "tortoise")
    assert breaks("bot.health.qr", "aiohttp.web")
    assert breaks("models.person", "bot.services.residents.people")
    assert breaks("bot.services.checkpoint.scan", "handlers.errors")
    assert breaks("bot.services.checkpoint.scan", "aiohttp")
    assert breaks("bot.services.notices.outbox", "bot.wechat.sender")
    assert breaks("handlers.checkpoint", "models.code")
    assert breaks("schedules.scheduler", "wechatpy.exceptions")
    assert breaks("bot.services.notices.outbox", "bot.wechat.routes")
    assert breaks("bot.wechat.sender", "tortoise.exceptions")
    assert not breaks("bot.wechat.transport", "bot.services.notices.rendering")
    assert not breaks("handlers.checkpoint", "bot.services.checkpoint.scan")
    assert not breaks("bot.services.checkpoint.scan", "bot.health.tokens")
    assert not breaks("bot.services.checkpoint.scan", "models.code")
    assert not breaks("bot.wechat.api", "wechatpy")
    assert not breaks("bot.health.sealing", "cryptography.hazmat.primitives")


def test_imports_are_read_as_modules() -> None:
    source = (
        "from . import scan_log\nfrom ...health.tokens import verify\ndef f():\n import wechatpy\n"
    )
    assert set(imports_of("bot.services.checkpoint.scan", False, source)) == {
        "bot.services.checkpoint",
        "bot.services.checkpoint.scan_log",
        "bot.health.tokens",
        "bot.health.tokens.verify",
        "wechatpy",
    }
    assert "bot.wechat.payloads" in set(imports_of("bot.wechat", True, "from . import payloads"))

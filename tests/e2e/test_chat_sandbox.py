"""The terminal chat against a development server with no WeChat credentials, both as real
processes: a declaration shows its code image (drawn in half-blocks, scanned back to a token
the checkpoint accepts), a tier change then shows its notice, and an appeal's answer (sent as a
template message) shows as its fields. Nothing goes to WeChat. On SQLite and, when
TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp

from tests.fakes.wechat_api import FakeWeChat
from tests.support.cli import run_bot
from tests.support.processes import (
    REPO,
    Bot,
    bot_env,
    healthy,
    sandbox_env,
    show_logs_on_failure,
    until,
)
from tests.support.qr import qr_codes
from tests.support.terminal import screen

OPENID = "o-chat-sandbox"
HEPING = 120101  # the first district of the chat's list
NAME, DOCUMENT, PHONE = "欧阳娜娜", "11010519491231002X", "13812345678"
# the nine steps: name, document type, number, phone, district, left the city, symptoms,
# contact, and the confirmation
DECLARATION = ["申领", NAME, "1", DOCUMENT, PHONE, "1", "1", "1", "1", "1"]
TOKEN = re.compile(r"hc_[a-z]{2}_[A-Za-z0-9_-]{20,}")
APPEAL_TEMPLATE = "TPL-APPEAL-REPLY"  # a template id is no credential: the sandbox stays on
REPLY = "经核实，维持橙码"
QR_HEADING = re.compile(r"^\[a QR code, (\d+)×\d+ modules\]$")


class Chat:
    """`python -m bot chat` as a child process: lines in, every printed line kept."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, env: dict[str, str], url: str) -> Chat:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "chat", "--url", url, "--openid", OPENID),
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    async def type(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines).encode())
        await self.process.stdin.drain()

    def shown(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def leave(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        code = await asyncio.wait_for(self.process.wait(), 20)
        await self._reader
        return code


def drawn_code(lines: list[str]) -> list[str] | None:
    """The half-block lines under the chat's "[a QR code, N×N modules]", once all are there."""
    for index, line in enumerate(lines):
        if match := QR_HEADING.match(line):
            rows = (int(match[1]) + 8 + 1) // 2  # with the quiet zone, two modules a line
            drawing = lines[index + 1 : index + 1 + rows]
            return drawing if len(drawing) == rows else None
    return None


async def staff_token(env: dict[str, str], role: str) -> str:
    done = await asyncio.to_thread(
        run_bot,
        "add-staff",
        "--name",
        "测试" + role,
        "--role",
        role,
        data_dir=Path(env["HC_DATA_DIR"]),
        database_url=env["DATABASE_URL"],
    )
    assert done.returncode == 0, done.stderr
    return TOKEN.search(done.stdout)[0]


async def call(method: str, url: str, token: str, body: dict | None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body, headers=headers) as answer,
    ):
        return answer.status, await answer.json()


async def test_a_declaration_shows_its_code_a_tier_change_its_notice_an_appeal_its_answer(
    tmp_path: Path, database_url: str
) -> None:
    env = sandbox_env(
        tmp_path,
        database_url,
        WECHAT_TEMPLATE_APPEAL_REPLY=APPEAL_TEMPLATE,
        HC_MESSAGES_PER_MINUTE="0",  # the script types faster than a person: no rate limit
    )
    url = f"http://127.0.0.1:{env['PORT']}"
    official = await staff_token(env, "official")
    checkpoint = await staff_token(env, "checkpoint")
    server = await Bot.start("serve", env)
    chat = None
    try:
        await until(lambda: healthy(url), 60, "the server")
        assert server.found(re.compile(r"WeChat sandbox on .*nothing is sent to WeChat"))
        chat = await Chat.start(env, url)

        await chat.type(*DECLARATION)
        await until(lambda: _true(chat.shown("申报已提交")), 30, "the passive reply")
        await until(lambda: _true(drawn_code(chat.lines) is not None), 30, "the image")
        [scanned] = qr_codes(screen(drawn_code(chat.lines)))

        status, verdict = await call(
            "POST", f"{url}/api/checkpoint/scan", checkpoint, {"token": scanned.text}
        )
        assert status == 200, verdict
        assert (verdict["verdict"], verdict["color"]) == ("pass", "green")

        tier = {"tier": "high", "note": "演练"}
        status, changed = await call(
            "PUT", f"{url}/api/admin/districts/{HEPING}/tier", official, tier
        )
        assert status == 200 and changed["affected"] == 1, changed
        await until(lambda: _true(chat.shown("【健康码变更】")), 30, "the tier change's notice")

        notice_at = next(i for i, line in enumerate(chat.lines) if "【健康码变更】" in line)
        assert chat.lines[notice_at - 1].startswith("── the account wrote, ")
        assert "绿码" in chat.lines[notice_at] and "橙码" in chat.lines[notice_at]

        await chat.type("申诉", "我这两周都在家，没有去过高风险地区", "1")
        await until(lambda: _true(chat.shown("申诉已提交")), 30, "the appeal's receipt")
        status, listed = await call("GET", f"{url}/api/admin/appeals?status=open", official, None)
        assert status == 200 and listed["count"] == 1, listed
        answer = {"decision": "reject", "reply": REPLY}
        appeal_id = listed["appeals"][0]["id"]
        status, _ = await call(
            "POST", f"{url}/api/admin/appeals/{appeal_id}/resolve", official, answer
        )
        assert status == 200
        await until(lambda: _true(chat.shown(f"[template {APPEAL_TEMPLATE}]")), 30, "the answer")

        fields = chat.lines[chat.lines.index(f"[template {APPEAL_TEMPLATE}]") + 1 :]
        assert chat.lines[chat.lines.index(f"[template {APPEAL_TEMPLATE}]") - 1].startswith(
            "── a template message, "
        )
        assert [line.split(":")[0] for line in fields[:5]] == [
            "first",
            "keyword1",
            "keyword2",
            "keyword3",
            "remark",
        ]
        assert fields[1] == "keyword1: 欧**娜" and REPLY in fields[4]
        assert await chat.leave() == 0
    finally:
        if chat is not None and chat.process.returncode is None:
            chat.process.kill()
            await chat.process.wait()
        await server.stop()
        show_logs_on_failure(server)
        if chat is not None and sys.exc_info()[0] is not None:
            print("--- chat ---\n" + "\n".join(chat.lines))
    assert "api.weixin.qq.com" not in server.log
    assert "Traceback" not in server.log


async def test_with_credentials_the_server_has_no_sandbox(
    tmp_path: Path, database_url: str, fake_wechat: FakeWeChat
) -> None:
    env = bot_env(tmp_path, database_url, fake_wechat)
    url = f"http://127.0.0.1:{env['PORT']}"
    server = await Bot.start("serve", env)
    try:
        await until(lambda: healthy(url), 60, "the server")
        async with aiohttp.ClientSession() as session:
            for path in ("/_sandbox/messages?openid=o-a", "/_sandbox/wechat/cgi-bin/stable_token"):
                async with session.get(url + path) as answer:
                    assert answer.status == 404, path
    finally:
        await server.stop()
        show_logs_on_failure(server)
    assert "sandbox" not in server.log.lower()


async def _true(value: bool) -> bool:
    return value

"""The terminal chat's pictures and pushed messages: a code drawn in half-blocks must scan from
the screen, so the lines are drawn back into an image here and read by a QR decoder."""

from __future__ import annotations

import base64
import io
import re

import png
import pytest

from bot.chat_pushes import push_lines
from bot.health.colors import Color
from bot.health.qr import render_png
from bot.terminal_image import (
    MAX_COLUMNS,
    ON_TERMINAL,
    RESET,
    NotAnImage,
    halfblock_lines,
    picture_lines,
)
from tests.support.qr import qr_codes
from tests.support.terminal import screen

TOKEN = "HC1:6BFOXN*TS0BI$ZD8UHH:G.8ON$FX2R1HV1JJ2A5:CFT1W$HW:M"
_ANSI = re.compile(r"\033\[[0-9;]*m")


@pytest.mark.parametrize("color", list(Color))
def test_a_code_drawn_in_half_blocks_scans_back_to_its_token(color: Color) -> None:
    what, lines = picture_lines(render_png(TOKEN, color), colors=False)

    assert what.startswith("a QR code, ")
    assert [code.text for code in qr_codes(screen(lines))] == [TOKEN]


def test_on_a_terminal_the_code_is_black_on_white_and_still_scans() -> None:
    _, lines = picture_lines(render_png(TOKEN, Color.ORANGE), colors=True)

    assert all(line.startswith(ON_TERMINAL) and line.endswith(RESET) for line in lines)
    assert "38;5;16" in ON_TERMINAL and "48;5;231" in ON_TERMINAL  # black ink, white ground
    plain = [_ANSI.sub("", line) for line in lines]
    assert [code.text for code in qr_codes(screen(plain))] == [TOKEN]


def test_the_code_has_its_quiet_zone_and_one_module_per_half_cell() -> None:
    what, lines = picture_lines(render_png(TOKEN, Color.GREEN, scale=3), colors=False)
    modules = int(re.search(r"(\d+)×", what)[1])

    side = modules + 8  # four light modules on each side
    assert {len(line) for line in lines} == {side}
    assert len(lines) == (side + 1) // 2
    assert lines[0].strip() == lines[1].strip() == ""  # the top four modules
    assert all(line.startswith("    ") and line.endswith("    ") for line in lines)
    # the finder pattern's top edge: seven dark modules right after the quiet zone
    assert lines[2][4:11] == "█▀▀▀▀▀█"


def test_an_odd_last_row_gets_a_light_row_below() -> None:
    assert halfblock_lines([[True, False], [False, True], [True, True]]) == ["▀▄", "▀▀"]


def test_a_picture_that_is_no_qr_code_is_sampled_to_fit() -> None:
    width, height = 400, 100
    rows = [[(x * 255) // width for x in range(width)] for _ in range(height)]
    buffer = io.BytesIO()
    png.Writer(width, height, greyscale=True).write(buffer, rows)

    what, lines = picture_lines(buffer.getvalue(), colors=False)

    assert what == "a picture, 400×100 pixels"
    assert max(map(len, lines)) <= MAX_COLUMNS
    assert lines[0].startswith("█") and lines[0].endswith(" ")  # dark on the left


def test_bytes_that_are_no_png_are_refused() -> None:
    with pytest.raises(NotAnImage):
        picture_lines(b"\x89PNG\r\n\x1a\n broken", colors=False)


# --- pushed messages ------------------------------------------------------------------------

AT = "2026-12-01T22:40:39+00:00"


def test_a_pushed_text_is_shown_under_a_heading() -> None:
    lines = push_lines({"id": 3, "kind": "text", "at": AT, "text": "第一行\n第二行"}, colors=False)

    assert lines[0].startswith("── the account wrote, ") and lines[1:] == ["第一行", "第二行"]


def test_a_pushed_image_is_drawn() -> None:
    data = base64.b64encode(render_png(TOKEN, Color.RED)).decode()
    message = {"kind": "image", "at": AT, "content_type": "image/png", "data_base64": data}

    lines = push_lines(message, colors=False)

    assert lines[0].startswith("── the account sent an image")
    assert lines[1].startswith("[a QR code")
    assert [code.text for code in qr_codes(screen(lines[2:]))] == [TOKEN]


def test_an_image_no_longer_kept_or_unreadable_says_so() -> None:
    gone = push_lines({"kind": "image", "at": AT, "data_base64": None}, colors=False)
    broken = push_lines({"kind": "image", "at": AT, "data_base64": "bm90IGEgcG5n"}, colors=False)

    assert gone[1] == "(the sandbox no longer keeps this image)"
    assert broken[1].startswith("(an image the chat cannot draw")


def test_template_and_subscribe_messages_are_shown_as_their_fields() -> None:
    template = {
        "kind": "template",
        "at": AT,
        "template_id": "TPL1",
        "data": {"first": "健康码变更", "keyword2": "🟢 绿码 → 🟠 橙码", "remark": "原因：…"},
        "url": "http://127.0.0.1:8080/c/x",
    }
    subscribe = {
        "kind": "subscribe",
        "at": AT,
        "template_id": "SUB1",
        "data": {"thing1": "欧**娜"},
        "page": "pages/code/index",
    }

    assert push_lines(template, colors=False)[1:] == [
        "[template TPL1]",
        "first: 健康码变更",
        "keyword2: 🟢 绿码 → 🟠 橙码",
        "remark: 原因：…",
        "→ http://127.0.0.1:8080/c/x",
    ]
    assert push_lines(subscribe, colors=False)[0].startswith("── a mini-program subscribe")
    assert push_lines(subscribe, colors=False)[2:] == ["thing1: 欧**娜", "→ pages/code/index"]

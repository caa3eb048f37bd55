"""What the code and docs cite is in the repository: a clone has no team workspace beside it, so
no tracked file may point at the design notes kept there, and every ``docs/….md`` named exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Spelt in pieces, so this file does not name what it looks for.
OUTSIDE = ("DESIGN" + ".md", "DESIGN" + " §", ".." + "/shared", "/work/" + "shared")
DOC = re.compile(r"\bdocs/[\w.-]+\.md\b")


def tracked_texts() -> list[tuple[str, str]]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are not known")
    texts = []
    for name in filter(None, listed.decode().split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the work tree, not yet in the index
        try:
            texts.append((name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # images and other binary files cite nothing
    return texts


def test_no_tracked_file_points_outside_the_repository() -> None:
    found = [
        f"{name}:{_line_of(text, word)}: {word}"
        for name, text in tracked_texts()
        for word in OUTSIDE
        if word in text
    ]
    assert not found, "cite docs/ instead:\n" + "\n".join(found)


def test_every_cited_doc_exists() -> None:
    missing = sorted(
        {
            f"{name}: {cited}"
            for name, text in tracked_texts()
            for cited in DOC.findall(text)
            if not (ROOT / cited).is_file()
        }
    )
    assert not missing, "\n".join(missing)


def _line_of(text: str, word: str) -> int:
    return text.count("\n", 0, text.index(word)) + 1


def test_the_check_sees_a_citation() -> None:
    # the words are found where they are written the ordinary way
    assert any(word in "see " + "DESIGN" + ".md §6" for word in OUTSIDE)
    assert DOC.findall("(docs/architecture.md, docs/notices.md)") == [
        "docs/architecture.md",
        "docs/notices.md",
    ]

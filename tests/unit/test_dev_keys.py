"""Development keys made on first use, when several processes start at the same moment.

`scripts/serve` starts the web server and the scheduler together on an empty ``data/``: both
find the keys missing. They must end with one data key and one signing key between them, and
neither may read a key file while the other is still writing it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.key_files import load_data_key, load_keyring, rotate_signing_key, signing_key_path
from bot.settings import Settings

STARTERS = 12


def _all_at_once(load, settings: Settings) -> list:
    barrier = threading.Barrier(STARTERS)

    def start():
        barrier.wait()
        return load(settings)

    with ThreadPoolExecutor(STARTERS) as pool:
        return [future.result() for future in [pool.submit(start) for _ in range(STARTERS)]]


def test_processes_starting_together_share_one_data_key(tmp_path: Path) -> None:
    for attempt in range(20):
        settings = Settings(data_dir=tmp_path / str(attempt))
        keys = _all_at_once(load_data_key, settings)
        assert len(set(keys)) == 1 and len(keys[0]) == 32
        assert load_data_key(settings) == keys[0]  # and it is the one on disk


def test_processes_starting_together_share_one_signing_key(tmp_path: Path) -> None:
    for attempt in range(20):
        settings = Settings(data_dir=tmp_path / str(attempt))
        kids = {keyring.current.kid for keyring in _all_at_once(load_keyring, settings)}
        assert kids == {load_keyring(settings).current.kid}


def test_key_files_are_private_and_leave_no_temporary_files(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    _all_at_once(load_data_key, settings)
    _all_at_once(load_keyring, settings)
    rotate_signing_key(settings)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data.key", "signing.key"]
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o077 == 0
    assert len(signing_key_path(settings).read_text().splitlines()) == 2  # the new key, the old

"""Fetching another region's published keys: an http(s) URL, or a file an operator was given.
The adapter between the trust list's use cases (bot/services/trust/trust_list.py) and the
network: its callers (the ``trust`` command, the daily job) fetch, then hand the checked keys to a
service.


Bounded in time and size, and never on the event loop's thread for long: the URL is read with
aiohttp (asynchronous), the file on a worker thread. Either way the bytes are parsed as a JWK
Set and checked (bot/health/key_sets.py) before anything is stored. Every failure is a
``KeySetError`` with a sentence for the operator.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from bot.health.key_sets import KeySetError, PublishedKeys, parse_key_set

MAX_BYTES = 64 * 1024  # a key set of 32 keys is under 6 KiB
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


async def fetch_key_set(source: str, timeout: float = TIMEOUT_SECONDS) -> PublishedKeys:
    body = await (_get(source, timeout) if is_url(source) else _read(Path(source)))
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise KeySetError(f"{source}: not JSON") from None
    try:
        return parse_key_set(document)
    except KeySetError as error:
        raise KeySetError(f"{source}: {error}") from None


async def _get(url: str, timeout: float) -> bytes:
    limits = aiohttp.ClientTimeout(total=timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=limits) as session,
            session.get(url, max_redirects=MAX_REDIRECTS) as response,
        ):
            if response.status != 200:
                raise KeySetError(f"{url}: answered HTTP {response.status}, not 200")
            return await _bounded(response, url)
    except TimeoutError:
        raise KeySetError(f"{url}: no answer within {timeout:g} s") from None
    except aiohttp.ClientError as error:
        raise KeySetError(f"{url}: cannot be fetched ({type(error).__name__}: {error})") from None


async def _bounded(response: aiohttp.ClientResponse, url: str) -> bytes:
    body = bytearray()
    async for chunk in response.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > MAX_BYTES:
            raise KeySetError(f"{url}: larger than {MAX_BYTES // 1024} KiB, not a key set")
    return bytes(body)


async def _read(path: Path) -> bytes:
    def read() -> bytes:
        with path.open("rb") as fh:
            body = fh.read(MAX_BYTES + 1)
        if len(body) > MAX_BYTES:
            raise KeySetError(f"{path}: larger than {MAX_BYTES // 1024} KiB, not a key set")
        return body

    try:
        return await asyncio.to_thread(read)
    except OSError as error:
        raise KeySetError(f"{path}: cannot be read ({error.strerror or error})") from None

"""One security-header policy for every answer the app gives, set as it is sent
(``on_response_prepare``), so no page, image or JSON can be left without it, errors included.

- ``X-Content-Type-Options: nosniff``: a browser takes each answer as the type it says.
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: no page is shown inside another
  site's frame (a code page framed under a fake checkpoint, a console behind a clickjacking
  overlay).
- ``Content-Security-Policy``: a page that has its own (the code page pins its inline style and
  script by hash; the console its style) keeps it, with ``frame-ancestors 'none'`` added when it
  lacks one; every other answer gets one that allows nothing at all.
"""

from __future__ import annotations

from aiohttp import web

NOTHING_ALLOWED = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
ALWAYS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
_CSP = "Content-Security-Policy"


async def set_security_headers(_request: web.BaseRequest, response: web.StreamResponse) -> None:
    headers = response.headers
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    policy = headers.get(_CSP)
    if policy is None:
        headers[_CSP] = NOTHING_ALLOWED
    elif "frame-ancestors" not in policy:
        headers[_CSP] = f"{policy}; frame-ancestors 'none'"

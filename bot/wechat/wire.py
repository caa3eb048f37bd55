"""WeChat's XML on the wire: read a callback body defensively, write messages and replies."""

import re
from collections.abc import Sequence

import xmltodict

from bot.wechat.errors import BadCallback

# WeChat's messages are a few kilobytes at most (a long text, doubled in compatible mode and
# grown by a third by base64); the handler refuses larger bodies before reading them.
MAX_BODY_BYTES = 64 * 1024

# WeChat never sends a DTD; refusing one up front keeps entity expansion (billion laughs) and
# external entities away from the parser, which also refuses entity declarations itself.
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# Characters XML 1.0 cannot carry, and lone surrogates UTF-8 cannot encode.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Value = str | int | float


def read_fields(body: bytes | str) -> dict[str, str]:
    """The text children of the `<xml>` root; raises BadCallback for anything else."""
    text = _decoded(body)
    if _DTD.search(text):
        raise BadCallback("XML with a DTD")
    try:
        document = xmltodict.parse(text, disable_entities=True)
    except Exception as exc:  # expat errors, refused entities, odd input: all mean "not XML"
        raise BadCallback("body is not XML") from exc
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise BadCallback("body is not WeChat XML")
    # Nested, repeated or attribute-carrying children are not WeChat text fields: left out.
    return {key: value or "" for key, value in root.items() if _is_field(key, value)}


def render(fields: Sequence[tuple[str, Value]]) -> str:
    """`<xml>` with one child per field: text in CDATA, numbers bare, as WeChat writes them."""
    children = "".join(f"<{name}>{_node_text(value)}</{name}>" for name, value in fields)
    return f"<xml>{children}</xml>"


def cdata(text: str) -> str:
    """`text` in CDATA; a `]]>` inside is split across two sections so it cannot end it."""
    clean = _NOT_XML_CHARS.sub("", text)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _decoded(body: bytes | str) -> str:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if len(raw) > MAX_BODY_BYTES:
        raise BadCallback("body too large")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadCallback("body is not UTF-8") from exc


def _is_field(key: object, value: object) -> bool:
    return isinstance(key, str) and key[:1] not in ("@", "#") and isinstance(value, str | None)


def _node_text(value: Value) -> str:
    if isinstance(value, str):
        return cdata(value)
    return str(value)

"""The callback side of bot.wechat: signatures, the three modes, parsing, replies."""

import contextlib
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.wechat import (
    MAX_BODY_BYTES,
    BadCallback,
    CallbackCodec,
    Incoming,
    build_event_xml,
    build_image_xml,
    build_link_xml,
    build_location_event_xml,
    build_location_xml,
    build_text_xml,
    build_video_xml,
    build_voice_xml,
    check_signature,
    sign_request,
)

TOKEN = "healthcode-token"
APPID = "wx1234567890abcdef"
# The example EncodingAESKey of WeChat's documentation.
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_0123456789ab"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
TIMESTAMP = "1584000000"
NONCE = "461253786"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>o</FromUserName>
<CreateTime>1584000000</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content></xml>"""


@pytest.fixture
def plain() -> CallbackCodec:
    return CallbackCodec(TOKEN, APPID, None)


@pytest.fixture
def safe() -> CallbackCodec:
    return CallbackCodec(TOKEN, APPID, AES_KEY)


def parse_plain(codec: CallbackCodec, body: bytes | str) -> Incoming:
    raw = body.encode() if isinstance(body, str) else body
    signature = sign_request(TOKEN, TIMESTAMP, NONCE)
    return codec.parse(raw, signature=signature, timestamp=TIMESTAMP, nonce=NONCE)


def send(codec: CallbackCodec, xml: str, mode: str) -> Incoming:
    """`xml` through the whole request, exactly as the WeChat server would send it."""
    request = codec.server_request(xml, timestamp=TIMESTAMP, nonce=NONCE, mode=mode)
    query = request.query
    return codec.parse(
        request.body,
        signature=query["signature"],
        timestamp=query["timestamp"],
        nonce=query["nonce"],
        msg_signature=query.get("msg_signature"),
        encrypt_type=query.get("encrypt_type"),
    )


def text_xml(content: str = "申领", msg_id: int = 6800000000000000001) -> str:
    return build_text_xml(ACCOUNT, OPENID, content, msg_id=msg_id, created=int(TIMESTAMP))


# --- signatures ------------------------------------------------------------------------------


def test_the_url_check_signature_is_accepted() -> None:
    signature = sign_request(TOKEN, TIMESTAMP, NONCE)

    assert check_signature(TOKEN, signature, TIMESTAMP, NONCE)


def test_the_signature_is_wechats_sha1_of_the_sorted_values() -> None:
    expected = hashlib.sha1("".join(sorted([TOKEN, TIMESTAMP, NONCE])).encode()).hexdigest()

    assert sign_request(TOKEN, TIMESTAMP, NONCE) == expected


@pytest.mark.parametrize(
    "signature",
    ["", "0" * 40, None, "签名", sign_request("other-token", TIMESTAMP, NONCE)],
)
def test_a_wrong_signature_is_refused_without_raising(signature: str) -> None:
    assert not check_signature(TOKEN, signature, TIMESTAMP, NONCE)


def test_a_request_with_a_wrong_signature_is_a_bad_callback(plain: CallbackCodec) -> None:
    with pytest.raises(BadCallback, match="signature"):
        plain.parse(text_xml().encode(), signature="0" * 40, timestamp=TIMESTAMP, nonce=NONCE)


# --- the three modes -------------------------------------------------------------------------


def test_plaintext_round_trip(plain: CallbackCodec) -> None:
    incoming = send(plain, text_xml("亮码"), "plain")

    assert incoming == Incoming(
        kind="text",
        from_user=OPENID,
        to_user=ACCOUNT,
        created=int(TIMESTAMP),
        msg_id=6800000000000000001,
        content="亮码",
    )
    reply = plain.reply_text(incoming, "您的健康码为绿码", nonce=NONCE, timestamp=TIMESTAMP)
    opened = plain.open_reply(reply)
    assert opened is not None
    assert (opened.kind, opened.to_user, opened.from_user) == ("text", OPENID, ACCOUNT)
    assert opened.content == "您的健康码为绿码"


@pytest.mark.parametrize("mode", ["safe", "compatible"])
def test_encrypted_round_trip(safe: CallbackCodec, mode: str) -> None:
    incoming = send(safe, text_xml("申领"), mode)

    assert incoming.encrypted
    assert (incoming.kind, incoming.content, incoming.from_user) == ("text", "申领", OPENID)


def test_safe_mode_keeps_the_message_out_of_the_body(safe: CallbackCodec) -> None:
    request = safe.server_request(text_xml("申领"), timestamp=TIMESTAMP, nonce=NONCE, mode="safe")

    assert "申领".encode() not in request.body
    assert b"<Encrypt>" in request.body
    assert request.query["encrypt_type"] == "aes"


def test_the_reply_to_an_encrypted_message_is_encrypted(safe: CallbackCodec) -> None:
    incoming = send(safe, text_xml(), "safe")

    reply = safe.reply_text(incoming, "请输入姓名", nonce=NONCE, timestamp=TIMESTAMP)

    assert "请输入姓名" not in reply
    assert "<Encrypt>" in reply and "<MsgSignature>" in reply
    opened = safe.open_reply(reply)
    assert opened is not None
    assert (opened.content, opened.to_user, opened.from_user) == ("请输入姓名", OPENID, ACCOUNT)


def test_a_plaintext_message_gets_a_plaintext_reply_even_with_an_aes_key(
    safe: CallbackCodec,
) -> None:
    incoming = send(safe, text_xml(), "plain")

    reply = safe.reply_text(incoming, "你好", nonce=NONCE, timestamp=TIMESTAMP)

    assert not incoming.encrypted
    assert "<Encrypt>" not in reply and "你好" in reply


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("text", [None, ""])
def test_no_reply_is_the_plain_word_success(safe: CallbackCodec, mode: str, text: None) -> None:
    incoming = send(safe, text_xml(), mode)

    assert safe.reply_text(incoming, text, nonce=NONCE, timestamp=TIMESTAMP) == "success"
    assert safe.open_reply("success") is None


def test_a_wrong_msg_signature_is_refused(safe: CallbackCodec) -> None:
    request = safe.server_request(text_xml(), timestamp=TIMESTAMP, nonce=NONCE, mode="safe")

    with pytest.raises(BadCallback, match="msg_signature"):
        safe.parse(
            request.body,
            signature=request.query["signature"],
            timestamp=TIMESTAMP,
            nonce=NONCE,
            msg_signature="0" * 40,
            encrypt_type="aes",
        )


def test_a_message_for_another_appid_is_refused(safe: CallbackCodec) -> None:
    other = CallbackCodec(TOKEN, "wx_another_account", AES_KEY)
    request = other.server_request(text_xml(), timestamp=TIMESTAMP, nonce=NONCE, mode="safe")

    with pytest.raises(BadCallback, match="appid"):
        safe.parse(
            request.body,
            signature=request.query["signature"],
            timestamp=TIMESTAMP,
            nonce=NONCE,
            msg_signature=request.query["msg_signature"],
            encrypt_type="aes",
        )


def test_an_encrypted_message_without_an_aes_key_is_refused(
    safe: CallbackCodec, plain: CallbackCodec
) -> None:
    request = safe.server_request(text_xml(), timestamp=TIMESTAMP, nonce=NONCE, mode="safe")

    with pytest.raises(BadCallback, match="AES"):
        plain.parse(
            request.body,
            signature=request.query["signature"],
            timestamp=TIMESTAMP,
            nonce=NONCE,
            msg_signature=request.query["msg_signature"],
            encrypt_type="aes",
        )


@pytest.mark.parametrize("encrypt", ["not base64!", "QUJD", "A" * 64])
def test_undecryptable_ciphertext_is_a_bad_callback(safe: CallbackCodec, encrypt: str) -> None:
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>{encrypt}</Encrypt></xml>"
    msg_signature = sign_request(TOKEN, TIMESTAMP, NONCE, encrypt)

    with pytest.raises(BadCallback):
        safe.parse(
            body.encode(),
            signature=sign_request(TOKEN, TIMESTAMP, NONCE),
            timestamp=TIMESTAMP,
            nonce=NONCE,
            msg_signature=msg_signature,
            encrypt_type="aes",
        )


def test_an_unknown_encrypt_type_is_refused(plain: CallbackCodec) -> None:
    with pytest.raises(BadCallback, match="encrypt_type"):
        plain.parse(
            text_xml().encode(),
            signature=sign_request(TOKEN, TIMESTAMP, NONCE),
            timestamp=TIMESTAMP,
            nonce=NONCE,
            encrypt_type="rot13",
        )


@pytest.mark.parametrize("key", ["short", "!" * 43])
def test_a_malformed_aes_key_is_a_start_up_error(key: str) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        CallbackCodec(TOKEN, APPID, key)


def test_a_stale_timestamp_is_refused_when_a_skew_is_set() -> None:
    codec = CallbackCodec(TOKEN, APPID, None, max_skew=300, clock=lambda: int(TIMESTAMP) + 301)

    with pytest.raises(BadCallback, match="stale"):
        parse_plain(codec, text_xml())
    fresh = CallbackCodec(TOKEN, APPID, None, max_skew=300, clock=lambda: int(TIMESTAMP) + 299)
    assert parse_plain(fresh, text_xml()).content == "申领"


# --- bodies that are not WeChat messages -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><MsgType>text</MsgType>",
        b"\xff\xfe<\x00x\x00m\x00l\x00>\x00",
        b"<foo><MsgType>text</MsgType></foo>",
        b"<xml/>",
        b"<xml><MsgType>text</MsgType><CreateTime>1</CreateTime></xml>",
        b"<xml><FromUserName>o</FromUserName><ToUserName>g</ToUserName>"
        b"<CreateTime>1</CreateTime></xml>",
        b"<xml><FromUserName>o</FromUserName><ToUserName>g</ToUserName>"
        b"<CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>",
        b"<xml><FromUserName>o</FromUserName><ToUserName>g</ToUserName>"
        b"<CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>-5</MsgId></xml>",
        b"<xml><FromUserName>o</FromUserName><ToUserName>g</ToUserName>"
        b"<CreateTime>1</CreateTime><MsgType><a>text</a></MsgType></xml>",
        b"<xml><FromUserName>o</FromUserName><FromUserName>p</FromUserName>"
        b"<ToUserName>g</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
        BILLION_LAUGHS.encode(),
        EXTERNAL_ENTITY.encode(),
    ],
    ids=[
        "empty",
        "not-xml",
        "unclosed",
        "utf-16",
        "wrong-root",
        "empty-root",
        "no-users",
        "no-msgtype",
        "bad-createtime",
        "negative-msgid",
        "nested-msgtype",
        "two-senders",
        "billion-laughs",
        "external-entity",
    ],
)
def test_a_body_that_is_not_a_wechat_message_is_a_bad_callback(
    plain: CallbackCodec, body: bytes
) -> None:
    with pytest.raises(BadCallback):
        parse_plain(plain, body)


def test_a_dtd_inside_an_encrypted_message_is_refused_too(safe: CallbackCodec) -> None:
    body, msg_signature = safe.encrypt_for_server(BILLION_LAUGHS, NONCE, TIMESTAMP)

    with pytest.raises(BadCallback, match="DTD"):
        safe.parse(
            body,
            signature=sign_request(TOKEN, TIMESTAMP, NONCE),
            timestamp=TIMESTAMP,
            nonce=NONCE,
            msg_signature=msg_signature,
            encrypt_type="aes",
        )


def test_a_body_over_the_limit_is_refused(plain: CallbackCodec) -> None:
    body = text_xml("长" * (MAX_BODY_BYTES // 3 + 1))

    with pytest.raises(BadCallback, match="large"):
        parse_plain(plain, body)


def test_a_location_outside_the_globe_is_refused(plain: CallbackCodec) -> None:
    body = build_location_event_xml(ACCOUNT, OPENID, latitude=91.0, longitude=117.2)

    with pytest.raises(BadCallback, match="Latitude"):
        parse_plain(plain, body)


# --- every kind of message ---------------------------------------------------------------------

CREATED = int(TIMESTAMP)
KINDS = [
    (
        build_text_xml(ACCOUNT, OPENID, "code", msg_id=1, created=CREATED),
        {"kind": "text", "content": "code", "msg_id": 1},
    ),
    (
        build_image_xml(ACCOUNT, OPENID, "MEDIA1", "http://mmbiz/1.jpg", msg_id=2),
        {"kind": "image", "media_id": "MEDIA1", "msg_id": 2},
    ),
    (
        build_voice_xml(ACCOUNT, OPENID, "MEDIA2", recognition="亮码", msg_id=3),
        {"kind": "voice", "media_id": "MEDIA2", "recognition": "亮码"},
    ),
    (
        build_video_xml(ACCOUNT, OPENID, "MEDIA3", "THUMB", msg_id=4),
        {"kind": "video", "media_id": "MEDIA3"},
    ),
    (
        build_video_xml(ACCOUNT, OPENID, "MEDIA4", "THUMB", short=True, msg_id=5),
        {"kind": "shortvideo", "media_id": "MEDIA4"},
    ),
    (
        build_location_xml(ACCOUNT, OPENID, 39.0842, 117.2009, label="天津市和平区", msg_id=6),
        {"kind": "location", "latitude": 39.0842, "longitude": 117.2009, "label": "天津市和平区"},
    ),
    (
        build_link_xml(ACCOUNT, OPENID, "Title", "http://example.com/", msg_id=7),
        {"kind": "link", "msg_id": 7},
    ),
    (
        build_event_xml(ACCOUNT, OPENID, "subscribe"),
        {"kind": "event", "event": "subscribe", "msg_id": 0},
    ),
    (
        build_event_xml(ACCOUNT, OPENID, "subscribe", "qrscene_123"),
        {"kind": "event", "event": "subscribe", "event_key": "qrscene_123"},
    ),
    (
        build_event_xml(ACCOUNT, OPENID, "unsubscribe"),
        {"kind": "event", "event": "unsubscribe"},
    ),
    (
        build_event_xml(ACCOUNT, OPENID, "CLICK", "SHOW_CODE"),
        {"kind": "event", "event": "click", "event_key": "SHOW_CODE"},
    ),
    (
        build_event_xml(ACCOUNT, OPENID, "VIEW", "https://example.com/c/1"),
        {"kind": "event", "event": "view", "event_key": "https://example.com/c/1"},
    ),
    (
        build_event_xml(ACCOUNT, OPENID, "SCAN", "123"),
        {"kind": "event", "event": "scan", "event_key": "123"},
    ),
    (
        build_location_event_xml(ACCOUNT, OPENID, 39.12, 117.19),
        {"kind": "event", "event": "location", "latitude": 39.12, "longitude": 117.19},
    ),
    (
        "<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>o</FromUserName>"
        "<CreateTime>1584000000</CreateTime><MsgType>miniprogrampage</MsgType>"
        "<MsgId>8</MsgId></xml>",
        {"kind": "unknown", "msg_id": 8, "event": None},
    ),
]


@pytest.mark.parametrize(("xml", "expected"), KINDS, ids=[e["kind"] for _, e in KINDS])
def test_every_kind_of_message_is_parsed(
    plain: CallbackCodec, xml: str, expected: dict[str, object]
) -> None:
    incoming = parse_plain(plain, xml)

    assert {name: getattr(incoming, name) for name in expected} == expected
    assert incoming.to_user == ACCOUNT


def test_the_dedup_key_of_a_message_is_its_sender_and_msg_id(plain: CallbackCodec) -> None:
    mine = parse_plain(plain, text_xml(msg_id=42))
    theirs = parse_plain(plain, build_text_xml(ACCOUNT, "oSomeoneElse", "亮码", 42, created=1))

    assert mine.dedup_key == f"{OPENID}:42"
    assert theirs.dedup_key != mine.dedup_key  # a MsgId is no secret


def test_the_dedup_key_of_an_event_is_sender_time_type_and_key(plain: CallbackCodec) -> None:
    def key(event: str, event_key: str | None, created: int = 100) -> str:
        xml = build_event_xml(ACCOUNT, OPENID, event, event_key, created=created)
        return parse_plain(plain, xml).dedup_key

    assert key("CLICK", "APPLY") == key("CLICK", "APPLY") == f"{OPENID}:100:click:APPLY"
    others = [key("CLICK", "APPLY", 101), key("CLICK", "SHOW_CODE"), key("subscribe", None)]
    located = build_location_event_xml(ACCOUNT, OPENID, 39.1, 117.2, created=100)
    others.append(parse_plain(plain, located).dedup_key)
    assert len({key("CLICK", "APPLY"), *others}) == 5


def test_a_long_event_key_is_digested_into_a_bounded_dedup_key(plain: CallbackCodec) -> None:
    long = parse_plain(plain, build_event_xml(ACCOUNT, OPENID, "SCAN", "k" * 500, created=1))
    other = parse_plain(plain, build_event_xml(ACCOUNT, OPENID, "SCAN", "k" * 499, created=1))

    assert len(long.dedup_key) <= 110 and long.dedup_key != other.dedup_key


def test_a_new_message_gets_a_fresh_msg_id() -> None:
    assert build_text_xml(ACCOUNT, OPENID, "a") != build_text_xml(ACCOUNT, OPENID, "a")


def test_the_cdata_terminator_inside_a_text_survives(plain: CallbackCodec) -> None:
    tricky = "a]]>b<xml>&amp;"

    incoming = parse_plain(plain, text_xml(tricky))
    reply = plain.reply_text(incoming, tricky, nonce=NONCE, timestamp=TIMESTAMP)

    assert incoming.content == tricky
    opened = plain.open_reply(reply)
    assert opened is not None and opened.content == tricky


def test_characters_xml_cannot_carry_are_dropped_from_a_reply(plain: CallbackCodec) -> None:
    incoming = parse_plain(plain, text_xml())

    reply = plain.reply_text(incoming, "绿\x00码\x1b", nonce=NONCE, timestamp=TIMESTAMP)

    opened = plain.open_reply(reply)
    assert opened is not None and opened.content == "绿码"


# --- properties ----------------------------------------------------------------------------------


@given(st.binary(max_size=2048))
def test_any_bytes_as_a_body_only_ever_raise_bad_callback(body: bytes) -> None:
    codec = CallbackCodec(TOKEN, APPID, None)
    with contextlib.suppress(BadCallback):
        parse_plain(codec, body)


@given(st.text(max_size=300))
def test_any_text_inside_the_xml_root_only_ever_raises_bad_callback(inner: str) -> None:
    codec = CallbackCodec(TOKEN, APPID, None)
    with contextlib.suppress(BadCallback):
        parse_plain(codec, f"<xml>{inner}</xml>".encode("utf-8", "surrogatepass"))


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200))
def test_any_ciphertext_with_a_good_msg_signature_only_ever_raises_bad_callback(
    encrypt: str,
) -> None:
    codec = CallbackCodec(TOKEN, APPID, AES_KEY)
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    with contextlib.suppress(BadCallback):
        codec.parse(
            body,
            signature=sign_request(TOKEN, TIMESTAMP, NONCE),
            timestamp=TIMESTAMP,
            nonce=NONCE,
            msg_signature=sign_request(TOKEN, TIMESTAMP, NONCE, encrypt.strip()),
            encrypt_type="aes",
        )


@given(st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=200))
def test_any_text_survives_the_safe_mode_round_trip(content: str) -> None:
    codec = CallbackCodec(TOKEN, APPID, AES_KEY)

    incoming = send(codec, text_xml(content), "safe")

    # WeChat's parser (xmltodict, as wechatpy's) trims surrounding whitespace.
    assert incoming.content == content.strip()

"""WeChatGateway through the real wechatpy client against the fake WeChat API on loopback."""

import asyncio
import contextlib
import io
import socket
from collections.abc import AsyncIterator

import pytest
import qrcode

from bot.services.notices.mass_batches import mass_batches
from bot.wechat import (
    WeChatGateway,
    WeChatPermanentError,
    WeChatQuotaError,
    WeChatTransientError,
)
from bot.wechat.client import ApiClient, on_api_base
from bot.wechat.errors import API_DAY, API_MINUTE, RECIPIENT
from bot.wechat.payloads import subscribe_data, template_data
from tests.fakes.wechat_api import (
    MINIAPP_APPID,
    MINIAPP_SECRET,
    OFFICIAL_APPID,
    OFFICIAL_SECRET,
    FakeWeChat,
)
from tests.support.qr import qr_codes

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
CUSTOM = "/cgi-bin/message/custom/send"
STABLE_TOKEN = "/cgi-bin/stable_token"


def make_gateway(fake: FakeWeChat, **options: float) -> WeChatGateway:
    return WeChatGateway(
        OFFICIAL_APPID,
        OFFICIAL_SECRET,
        fake.base_url,
        miniapp_appid=MINIAPP_APPID,
        miniapp_secret=MINIAPP_SECRET,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def gateway(fake_wechat: FakeWeChat) -> AsyncIterator[WeChatGateway]:
    gateway = make_gateway(fake_wechat)
    yield gateway
    await gateway.close()


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer, format="PNG")
    return buffer.getvalue()


# --- every method --------------------------------------------------------------------------------


async def test_send_text(gateway: WeChatGateway, fake_wechat: FakeWeChat) -> None:
    await gateway.send_text(OPENID, "您的健康码已变为绿码")

    assert fake_wechat.sent(CUSTOM) == [
        {"touser": OPENID, "msgtype": "text", "text": {"content": "您的健康码已变为绿码"}}
    ]
    assert fake_wechat.calls_to(CUSTOM)[0].appid == OFFICIAL_APPID


async def test_an_uploaded_code_image_still_scans(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    media_id = await gateway.upload_image(qr_png("HC1:EXAMPLE"))

    upload = fake_wechat.media[media_id]
    assert (upload.filename, upload.content_type) == ("code.png", "image/png")
    assert fake_wechat.calls_to("/cgi-bin/media/upload")[0].query["type"] == "image"
    decoded = qr_codes(upload.data)
    assert [barcode.text for barcode in decoded] == ["HC1:EXAMPLE"]


async def test_send_image(gateway: WeChatGateway, fake_wechat: FakeWeChat) -> None:
    media_id = await gateway.upload_image(qr_png("x"))

    await gateway.send_image(OPENID, media_id)

    assert fake_wechat.sent(CUSTOM) == [
        {"touser": OPENID, "msgtype": "image", "image": {"media_id": media_id}}
    ]


async def test_an_image_that_is_not_an_image_is_refused(gateway: WeChatGateway) -> None:
    with pytest.raises(WeChatPermanentError) as refused:
        await gateway.upload_image(b"plain text")

    assert refused.value.errcode == 40005


async def test_send_template(gateway: WeChatGateway, fake_wechat: FakeWeChat) -> None:
    data = {"first": "健康码变更", "keyword1": {"value": "绿码", "color": "#07c160"}}

    msgid = await gateway.send_template(OPENID, "TPL_CODE", data, "https://hc.example/c/1")

    assert msgid > 0
    assert fake_wechat.sent("/cgi-bin/message/template/send") == [
        {
            "touser": OPENID,
            "template_id": "TPL_CODE",
            "url": "https://hc.example/c/1",
            "data": {
                "first": {"value": "健康码变更"},
                "keyword1": {"value": "绿码", "color": "#07c160"},
            },
        }
    ]


async def test_send_subscribe_uses_the_mini_program(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    long_reason = "近14天到访过高风险地区滨海新区并且未按要求完成核酸检测"

    await gateway.send_subscribe(OPENID, "SUB_TPL", {"thing1": long_reason}, "pages/code/index")

    call = fake_wechat.calls_to("/cgi-bin/message/subscribe/send")[0]
    assert call.appid == MINIAPP_APPID
    assert call.errcode == 0
    assert call.json["page"] == "pages/code/index"
    assert len(call.json["data"]["thing1"]["value"]) == 20


async def test_send_subscribe_without_a_mini_program_is_permanent(
    fake_wechat: FakeWeChat,
) -> None:
    gateway = WeChatGateway(OFFICIAL_APPID, OFFICIAL_SECRET, fake_wechat.base_url)
    try:
        with pytest.raises(WeChatPermanentError, match="mini-program"):
            await gateway.send_subscribe(OPENID, "SUB_TPL", {"thing1": "x"})
    finally:
        await gateway.close()
    assert fake_wechat.calls == []


async def test_mass_send_in_batches(gateway: WeChatGateway, fake_wechat: FakeWeChat) -> None:
    openids = [f"openid-{n:05}" for n in range(10_001)]

    msg_ids = await gateway.mass_send_text([*openids, openids[0]], "滨海新区调整为中风险地区")

    bodies = fake_wechat.sent("/cgi-bin/message/mass/send")
    assert len(msg_ids) == len(bodies) == 2
    assert [len(body["touser"]) for body in bodies] == [9_999, 2]
    assert sorted(o for body in bodies for o in body["touser"]) == openids
    assert bodies[0]["text"] == {"content": "滨海新区调整为中风险地区"}


async def test_a_repeated_mass_send_is_not_sent_twice(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    first = await gateway.mass_send_text(["a", "b", "c"], "通知", client_msg_id="broadcast-7")

    again = await gateway.mass_send_text(["a", "b", "c"], "通知", client_msg_id="broadcast-7")

    assert again == first
    assert len(fake_wechat.sent("/cgi-bin/message/mass/send")) == 1
    assert fake_wechat.calls_to("/cgi-bin/message/mass/send")[1].json["clientmsgid"] == (
        "broadcast-7-0"
    )


async def test_mass_send_to_one_or_nobody(gateway: WeChatGateway, fake_wechat: FakeWeChat) -> None:
    assert await gateway.mass_send_text([], "x") == []
    with pytest.raises(WeChatPermanentError) as refused:
        await gateway.mass_send_text([OPENID, OPENID], "x")

    assert refused.value.errcode == 40130
    assert fake_wechat.calls == []


async def test_code_to_session(gateway: WeChatGateway, fake_wechat: FakeWeChat) -> None:
    fake_wechat.add_session("CODE1", "o-mini-1", "SESSIONKEY", unionid="u-1")

    session = await gateway.code_to_session("CODE1")

    assert (session.openid, session.session_key, session.unionid) == (
        "o-mini-1",
        "SESSIONKEY",
        "u-1",
    )
    # jscode2session needs no access token: a login never waits for (or fails on) one.
    assert fake_wechat.token_requests == 0
    assert "access_token" not in fake_wechat.calls_to("/sns/jscode2session")[0].query


@pytest.mark.parametrize(("code", "errcode"), [("UNKNOWN", 40029), ("CODE1", 40163)])
async def test_a_bad_or_reused_js_code_is_permanent(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    code: str,
    errcode: int,
) -> None:
    fake_wechat.add_session("CODE1", "o-mini-1")
    await gateway.code_to_session("CODE1")

    with pytest.raises(WeChatPermanentError) as refused:
        await gateway.code_to_session(code)

    assert refused.value.errcode == errcode


# --- the access token -----------------------------------------------------------------------------


async def test_sixteen_concurrent_first_calls_fetch_one_token(fake_wechat: FakeWeChat) -> None:
    fake_wechat.delay(STABLE_TOKEN, 0.2)  # every thread reaches the token fetch before it ends
    gateway = make_gateway(fake_wechat, max_workers=16)
    try:
        await asyncio.gather(*(gateway.send_text(OPENID, f"#{n}") for n in range(16)))
    finally:
        await gateway.close()

    assert fake_wechat.token_requests == 1
    assert len(fake_wechat.sent(CUSTOM)) == 16


async def test_an_expired_token_is_refreshed_once_and_the_call_repeated(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    await gateway.send_text(OPENID, "one")
    fake_wechat.expire_tokens()

    await gateway.send_text(OPENID, "two")

    assert [call.errcode for call in fake_wechat.calls_to(CUSTOM)] == [0, 42001, 0]
    assert fake_wechat.token_requests == 2


async def test_concurrent_calls_on_an_expired_token_refresh_it_once(
    fake_wechat: FakeWeChat,
) -> None:
    gateway = make_gateway(fake_wechat, max_workers=16)
    try:
        await gateway.send_text(OPENID, "warm-up")
        fake_wechat.expire_tokens()
        fake_wechat.delay(STABLE_TOKEN, 0.2)
        await asyncio.gather(*(gateway.send_text(OPENID, f"#{n}") for n in range(16)))
    finally:
        await gateway.close()

    assert fake_wechat.token_requests == 2
    assert len(fake_wechat.sent(CUSTOM)) == 17


async def test_a_server_that_always_refuses_the_token_ends_in_an_error(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    fake_wechat.fail_next(CUSTOM, 40001, times=None)

    with pytest.raises(WeChatTransientError) as refused:
        await gateway.send_text(OPENID, "x")

    assert refused.value.errcode == 40001
    assert len(fake_wechat.calls_to(CUSTOM)) == 2
    # The same token came back after the refusal, so the second fetch forced a new one.
    forced = [call.json["force_refresh"] for call in fake_wechat.calls_to(STABLE_TOKEN)]
    assert forced == [False, False, True]


async def test_wrong_credentials_are_transient_until_the_operator_fixes_them(
    fake_wechat: FakeWeChat,
) -> None:
    gateway = WeChatGateway(OFFICIAL_APPID, "wrong-secret", fake_wechat.base_url)
    try:
        with pytest.raises(WeChatTransientError) as refused:
            await gateway.send_text(OPENID, "x")
    finally:
        await gateway.close()

    assert refused.value.errcode == 40125
    assert fake_wechat.calls_to(CUSTOM) == []


async def test_a_busy_token_server_is_transient(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    fake_wechat.fail_next(STABLE_TOKEN, -1)

    with pytest.raises(WeChatTransientError):
        await gateway.send_text(OPENID, "x")
    await gateway.send_text(OPENID, "again")

    assert len(fake_wechat.sent(CUSTOM)) == 1


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("errcode", [43004, 45015, 40003, 48001])
async def test_permanent_refusals(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    errcode: int,
) -> None:
    fake_wechat.fail_next(CUSTOM, errcode)

    with pytest.raises(WeChatPermanentError) as refused:
        await gateway.send_text(OPENID, "x")

    assert refused.value.errcode == errcode
    assert len(fake_wechat.calls_to(CUSTOM)) == 1


async def test_an_unfollowed_user_is_permanent(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    fake_wechat.unfollowed.add(OPENID)

    with pytest.raises(WeChatPermanentError) as refused:
        await gateway.send_template(OPENID, "TPL", {"first": "x"})

    assert refused.value.errcode == 43004
    assert "require subscribe" in refused.value.errmsg


async def test_a_refused_subscription_is_permanent(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    fake_wechat.fail_next("/cgi-bin/message/subscribe/send", 43101)

    with pytest.raises(WeChatPermanentError) as refused:
        await gateway.send_subscribe(OPENID, "SUB", {"thing1": "x"})

    assert refused.value.errcode == 43101


@pytest.mark.parametrize(
    ("errcode", "scope"), [(45009, API_DAY), (45011, API_MINUTE), (45047, RECIPIENT)]
)
async def test_quota_answers_say_whose_quota_ran_out(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    errcode: int,
    scope: str,
) -> None:
    fake_wechat.fail_next(CUSTOM, errcode)

    with pytest.raises(WeChatQuotaError) as refused:
        await gateway.send_text(OPENID, "x")

    assert (refused.value.errcode, refused.value.scope) == (errcode, scope)
    assert isinstance(refused.value, WeChatTransientError)  # to any other caller: try later


async def test_a_daily_quota_runs_out_and_comes_back_the_next_day(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    moment = [1_584_000_000.0]  # 2020-03-12 16:00 in Beijing
    fake_wechat.clock = lambda: moment[0]
    fake_wechat.set_daily_quota(CUSTOM, 2)
    await gateway.send_text(OPENID, "1")
    await gateway.send_text(OPENID, "2")

    with pytest.raises(WeChatQuotaError) as refused:
        await gateway.send_text(OPENID, "3")

    assert refused.value.errcode == 45009 and "daily quota" in refused.value.errmsg
    moment[0] += 9 * 3600  # past midnight in Beijing; the token of 7200 s has expired too
    await gateway.send_text(OPENID, "3")
    assert [body["text"]["content"] for body in fake_wechat.sent(CUSTOM)] == ["1", "2", "3"]


@pytest.mark.parametrize("errcode", [-1])
async def test_transient_refusals(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    errcode: int,
) -> None:
    fake_wechat.fail_next(CUSTOM, errcode)

    with pytest.raises(WeChatTransientError) as refused:
        await gateway.send_text(OPENID, "x")

    assert refused.value.errcode == errcode


@pytest.mark.parametrize(
    ("status", "error"), [(502, WeChatTransientError), (403, WeChatPermanentError)]
)
async def test_http_failures(
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    status: int,
    error: type[Exception],
) -> None:
    fake_wechat.fail_http(CUSTOM, status)

    with pytest.raises(error) as refused:
        await gateway.send_text(OPENID, "x")

    assert refused.value.errcode is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", [CUSTOM, STABLE_TOKEN])
async def test_a_timeout_is_transient(fake_wechat: FakeWeChat, path: str) -> None:
    fake_wechat.delay(path, 1.0)
    gateway = make_gateway(fake_wechat, timeout=0.2)
    try:
        with pytest.raises(WeChatTransientError, match="Timeout"):
            await gateway.send_text(OPENID, "x")
    finally:
        await gateway.close()


async def test_an_unreachable_server_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = WeChatGateway(OFFICIAL_APPID, OFFICIAL_SECRET, f"http://127.0.0.1:{port}/")
    try:
        with pytest.raises(WeChatTransientError, match="ConnectionError"):
            await gateway.send_text(OPENID, "x")
    finally:
        await gateway.close()


# --- where the calls go --------------------------------------------------------------------------


def test_every_api_class_is_aimed_at_the_api_base() -> None:
    base = "http://127.0.0.1:9/"
    client = ApiClient("wx", "secret", api_base=base, timeout=1, pool_size=1)
    apis = [api for api in vars(client).values() if hasattr(api, "_client")]

    assert len(apis) > 20
    for api in apis:
        # Each API class joins its endpoints to its own API_BASE_URL, or else the client's.
        endpoint_base = getattr(api, "API_BASE_URL", client.API_BASE_URL)
        assert on_api_base(endpoint_base, base).startswith(base), type(api).__name__


async def test_calls_with_their_own_or_absolute_urls_reach_the_api_base(
    fake_wechat: FakeWeChat,
) -> None:
    client = ApiClient(
        OFFICIAL_APPID, OFFICIAL_SECRET, api_base=fake_wechat.base_url, timeout=2, pool_size=1
    )

    def call_unimplemented_apis() -> None:
        # The fake answers 404 to these: only where the requests went matters here.
        with contextlib.suppress(Exception):
            client.datacube.get_user_summary("2020-03-01", "2020-03-02")
        with contextlib.suppress(Exception):
            client.customservice.get_session_list("kf2001@hc")

    try:
        await asyncio.to_thread(call_unimplemented_apis)
    finally:
        client.close()

    paths = [call.path for call in fake_wechat.calls]
    assert "/datacube/getusersummary" in paths
    assert "/customservice/kfsession/getsessionlist" in paths


# --- payload shaping (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(0, []), (2, [2]), (10, [4, 4, 2]), (9, [4, 3, 2]), (5, [3, 2]), (8, [4, 4])],
)
def test_mass_batches_never_hold_a_single_openid(count: int, sizes: list[int]) -> None:
    openids = [str(n) for n in range(count)]

    batches = mass_batches(openids, size=4)

    assert [len(batch) for batch in batches] == sizes
    assert [o for batch in batches for o in batch] == openids


def test_template_data_wraps_plain_values() -> None:
    assert template_data({"a": "x", "b": 3, "c": {"value": "y"}}) == {
        "a": {"value": "x"},
        "b": {"value": "3"},
        "c": {"value": "y"},
    }


def test_subscribe_data_shortens_what_wechat_would_refuse() -> None:
    data = subscribe_data({"thing1": "一" * 25, "phrase2": "正在配送中途", "name3": "张" * 12})

    assert data["thing1"]["value"] == "一" * 19 + "…"
    assert data["phrase2"]["value"] == "正在配送…"
    assert data["name3"]["value"] == "张" * 12

"""wechatpy's synchronous client, aimed at one API root, with its access token fetched once.

Three things in wechatpy 1.8.18 need correcting (docs/architecture.md):
- URLs: the client builds `API_BASE_URL + endpoint`, every API class may carry its own
  absolute `API_BASE_URL` (`client.wxa` uses the root), a few methods use absolute URLs and the
  token URL is hard-coded. `_request` is the one place every call passes, so it moves any URL
  under WeChat's root onto `api_base`; the token is fetched by our own code, also on `api_base`.
- Token: `cgi-bin/stable_token` instead of `cgi-bin/token`. Several processes (web workers and
  the scheduler) each hold a client; every `cgi-bin/token` call invalidates the other processes'
  tokens, while `stable_token` hands the same valid token to all of them.
- Concurrency: wechatpy's refresh has no lock, so concurrent first calls each fetched a token.
  Here the fetch runs under a lock and re-checks, so the threads that waited reuse the result.
"""

import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

WECHAT_ROOT = "https://api.weixin.qq.com/"
# wechatpy's own margin: a token this close to expiry is fetched again before use.
TOKEN_MARGIN_SECONDS = 60
DEFAULT_TOKEN_LIFETIME = 7200
# stable_token's forced refresh is rationed by WeChat (one per 30 s, a few a day): never faster.
FORCED_REFRESH_INTERVAL = 30.0


def on_api_base(url: str, api_base: str) -> str:
    """The same URL with WeChat's root replaced by `api_base` (which ends with a slash)."""
    if url.startswith(WECHAT_ROOT):
        return api_base + url[len(WECHAT_ROOT) :]
    return url


def token_of_request(exc: WeChatClientException) -> str | None:
    """The access token a refused request carried, read from its URL."""
    url = getattr(exc.request, "url", None) or ""
    values = parse_qs(urlsplit(url).query).get("access_token")
    return values[0] if values else None


class ApiClient(WeChatClient):
    """A `WeChatClient` whose every request goes to `api_base`."""

    expires_at: int | None  # when the access token this client holds runs out (unix seconds)

    def __init__(
        self, appid: str, secret: str, *, api_base: str, timeout: float, pool_size: int
    ) -> None:
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.api_base = api_base
        self.API_BASE_URL = api_base + "cgi-bin/"
        self._token_lock = threading.Lock()
        self._rejected_token: str | None = None
        self._forced_at = float("-inf")
        # One pooled connection per worker thread, instead of requests' default of ten.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        base = kwargs.pop("api_base_url", self.API_BASE_URL)
        url = url_or_endpoint
        if not url.startswith(("http://", "https://")):
            url = base + url
        return super()._request(method, on_api_base(url, self.api_base), **kwargs)

    def fetch_access_token(self) -> dict[str, Any]:
        with self._token_lock:
            if self._has_fresh_token():
                # Another thread fetched it while this one waited for the lock.
                return {"access_token": self.session.get(self.access_token_key)}
            result = self._stable_token(force_refresh=False)
            if result["access_token"] == self._rejected_token and self._may_force():
                # WeChat still hands out the token it refused: ask for a new one.
                result = self._stable_token(force_refresh=True)
            self._keep_token(result)
            return result

    def forget_token(self, token: str | None) -> None:
        """Drop `token` after WeChat refused it, so the next call fetches a new one.

        A token another thread has already replaced is left alone: concurrent refusals of the
        same token cause one fetch, not one each.
        """
        with self._token_lock:
            current = self.session.get(self.access_token_key)
            if current and (token is None or current == token):
                self.session.delete(self.access_token_key)
                self.expires_at = None
                self._rejected_token = current

    def code_to_session(self, js_code: str) -> dict[str, Any]:
        """`sns/jscode2session`, authenticated by appid and secret alone.

        `wxa.code_to_session` would fetch an access token first, for nothing, and a failing
        token fetch would then block every login; a None `access_token` keeps wechatpy from
        adding one and is left out of the query by requests.
        """
        params = {
            "appid": self.appid,
            "secret": self.secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
            "access_token": None,
        }
        return self.get("sns/jscode2session", api_base_url=self.api_base, params=params)

    def close(self) -> None:
        self._http.close()

    def _has_fresh_token(self) -> bool:
        token = self.session.get(self.access_token_key)
        if not token or self.expires_at is None:
            return False
        return self.expires_at - time.time() > TOKEN_MARGIN_SECONDS

    def _may_force(self) -> bool:
        now = time.monotonic()
        if now - self._forced_at < FORCED_REFRESH_INTERVAL:
            return False
        self._forced_at = now
        return True

    def _stable_token(self, *, force_refresh: bool) -> dict[str, Any]:
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": force_refresh,
        }
        response = self._http.post(
            self.api_base + "cgi-bin/stable_token", json=body, timeout=self.timeout
        )
        response.raise_for_status()
        result = response.json()
        if not isinstance(result, dict) or not isinstance(result.get("access_token"), str):
            errcode = result.get("errcode") if isinstance(result, dict) else None
            errmsg = result.get("errmsg", "no access_token") if isinstance(result, dict) else ""
            raise WeChatClientException(
                errcode, errmsg, client=self, request=response.request, response=response
            )
        return result

    def _keep_token(self, result: dict[str, Any]) -> None:
        lifetime = int(result.get("expires_in") or DEFAULT_TOKEN_LIFETIME)
        self.session.set(self.access_token_key, result["access_token"], lifetime)
        self.expires_at = int(time.time()) + lifetime
        self._rejected_token = None

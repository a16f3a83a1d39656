"""crmkit.sdk.http against HTTP servers on loopback: retries, Retry-After, clear errors."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import socket
from pathlib import Path

import pytest

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.http import HttpClient, looks_secret, redact_url
from crmkit.sdk.retry import RetryPolicy, is_transient, parse_retry_after, retry_after_of

PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def api(monkeypatch):
    """Serve 25 customers on loopback; stop afterwards."""
    monkeypatch.syspath_prepend(str(PLUGINS_DIR))
    module = importlib.import_module("crmkit_fixture_sync_server")
    server = module.PagedApi({"customers": module.customers(25)}).start()
    yield server
    server.stop()


def client(url, *, retries=3, sleep=None, **kwargs):
    """Return a client with tiny backoff; ``sleep`` records the waits if given."""
    policy = RetryPolicy(max_retries=retries, backoff_seconds=0.01)
    extra = {"sleep": sleep} if sleep is not None else {}
    return HttpClient("api", base_url=url, retry=policy, **extra, **kwargs)


def test_a_page_is_fetched_as_json(api):
    """GET with query parameters returns the parsed body."""
    page = client(api.url).get_json("/customers", {"after": 20, "limit": 10})
    assert [r["external_id"] for r in page["items"]] == ["c21", "c22", "c23", "c24", "c25"]
    assert page["next"] is None


def test_429_waits_as_long_as_retry_after_says_then_succeeds(api):
    """Retry-After in seconds is honoured; 503 without it backs off exponentially."""
    waits = []
    api.fail(429, "too many", Retry_After="7")
    api.fail(503, "busy")
    api.fail(503, "busy")
    page = client(api.url, sleep=waits.append).get_json("/customers")
    assert len(page["items"]) == 25
    assert waits == [7.0, 0.02, 0.04]
    assert [r["status"] for r in api.log] == [429, 503, 503, 200]


def test_the_wait_really_happens_between_requests(api):
    """With the real sleep, the server sees the retry after Retry-After."""
    api.fail(429, Retry_After="0.25")
    client(api.url).get_json("/customers")
    assert api.log[1]["at"] - api.log[0]["at"] >= 0.25


def test_persistent_5xx_gives_up_with_a_transient_error(api):
    """After max_retries the error is transient (the engine may retry later) and says so."""
    for _ in range(3):
        api.fail(502, "upstream down", Retry_After="0")
    with pytest.raises(TransientError) as error:
        client(api.url, retries=2, sleep=lambda _s: None).get_json("/customers")
    assert str(error.value) == (
        f"source 'api': GET {api.url}/customers: HTTP 502 Bad Gateway: upstream down "
        "(gave up after 3 attempts)"
    )
    assert error.value.retry_after == 0.0
    assert is_transient(error.value)


def test_a_4xx_is_permanent_and_quotes_the_server(api):
    """404 is not retried; the message carries the server's own words."""
    with pytest.raises(PermanentError) as error:
        client(api.url, sleep=pytest.fail).get_json("/contracts")
    assert 'HTTP 404 Not Found: {"error": "no such collection"}' in str(error.value)
    assert not is_transient(error.value)
    assert len(api.log) == 1


def test_a_body_that_is_not_json_is_a_permanent_error(api):
    """A 200 with HTML is reported, not parsed into garbage."""
    api.fail(200, "<html>maintenance</html>")
    with pytest.raises(PermanentError, match="is not JSON"):
        client(api.url).get_json("/customers")


def test_connection_refused_is_transient():
    """Nothing listens on the port: retried, then a transient error naming the cause."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits = []
    with pytest.raises(TransientError, match=r"cannot connect: .*refused"):
        client(f"http://127.0.0.1:{port}", retries=2, sleep=waits.append).get_json("/x")
    assert waits == [0.01, 0.02]


def test_a_timeout_is_transient(api):
    """A server that does not answer in time: a transient timeout."""
    api.stall_after = 0
    with pytest.raises(TransientError, match=r"no answer in 0\.2 s$"):
        client(api.url, retries=0, timeout=0.2).get_json("/customers")


def test_secrets_never_reach_errors_or_logs(api, caplog):
    """Tokens in headers, query strings and URL credentials are masked everywhere."""
    caplog.set_level(logging.DEBUG, logger="crmkit.http")
    api.fail(503, "retry me")
    api.token = "tok-abcdef"  # noqa: S105 - a test token
    url = api.url.replace("http://", "http://user:pa55word@")
    http = client(
        url,
        sleep=lambda _s: None,
        headers={"Authorization": "Bearer wrong-token-123"},
    )
    with pytest.raises(PermanentError) as error:
        http.get_json("/customers", {"api_key": "k-987654", "limit": 5})
    text = str(error.value) + caplog.text
    for secret in ("wrong-token-123", "k-987654", "pa55word"):
        assert secret not in text
    assert "api_key=***" in str(error.value)
    assert "invalid token ***" in str(error.value)


def test_a_refused_hook_chooses_the_permanent_error(api):
    """``refused`` turns a permanent status into the caller's own error; None keeps the default."""
    http = client(api.url, sleep=pytest.fail)
    with pytest.raises(LookupError, match="404"):
        http.get("/contracts", refused=lambda r: LookupError(f"no contracts: {r.status_code}"))
    with pytest.raises(PermanentError, match="HTTP 404 Not Found"):
        http.get("/contracts", refused=lambda _r: None)


def test_retry_after_headers_in_seconds_or_as_a_date():
    """Both forms of Retry-After; unreadable ones are ignored."""
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None


def test_the_policy_backs_off_exponentially_up_to_a_cap():
    """1, 2, 4, ... capped; Retry-After wins but is capped too."""
    policy = RetryPolicy(backoff_seconds=1, max_backoff_seconds=5, max_retry_after_seconds=60)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    assert policy.delay(1, retry_after=30) == 30
    assert policy.delay(1, retry_after=3600) == 60


def test_transient_errors_are_recognised_from_several_libraries():
    """Standard errors, TransientError, and anything with a retryable HTTP response."""

    class Response:
        def __init__(self, status, headers=None):
            self.status_code = status
            self.headers = headers or {}

    class LibraryError(Exception):
        def __init__(self, response):
            super().__init__("library error")
            self.response = response

    assert is_transient(ConnectionRefusedError())
    assert is_transient(TimeoutError())
    assert is_transient(TransientError("s", "x"))
    assert is_transient(LibraryError(Response(429)))
    assert not is_transient(LibraryError(Response(400)))
    assert not is_transient(ValueError("bad data"))
    assert retry_after_of(LibraryError(Response(429, {"Retry-After": "3"}))) == 3.0
    assert retry_after_of(TransientError("s", "x", retry_after=2)) == 2.0


def test_other_libraries_connection_errors_and_statuses_are_recognised():
    """requests/httpx-style connection errors by class name; zeep/urllib-style statuses."""

    class RequestException(OSError):  # noqa: N818 - named as requests names it
        pass

    class ConnectionError(RequestException):  # noqa: A001 - named as requests names it
        pass

    class ReadTimeout(RequestException):
        pass

    class TransportError(Exception):
        def __init__(self, status_code):
            super().__init__("transport")
            self.status_code = status_code

    class HTTPError(OSError):
        def __init__(self, code, headers):
            super().__init__("http")
            self.code = code
            self.headers = headers

    assert is_transient(ConnectionError("refused"))
    assert is_transient(ReadTimeout("slow"))
    assert not is_transient(RequestException("invalid URL"))
    assert is_transient(TransportError(503))
    assert not is_transient(TransportError(404))
    assert is_transient(HTTPError(429, {"Retry-After": "5"}))
    assert retry_after_of(HTTPError(429, {"Retry-After": "5"})) == 5.0


def test_secret_names_and_urls_are_recognised():
    """What counts as a secret setting, and how URLs are shown."""
    for name in ("password", "api_key", "apiKey", "token", "client_secret", "key", "passwd"):
        assert looks_secret(name), name
    for name in ("path", "url", "page_size", "keyboard_layout", "monkey"):
        assert not looks_secret(name), name
    assert redact_url("https://u:p4ss@h/x?token=abc&page=2") == "https://u:***@h/x?token=***&page=2"

"""crmkit_1c._http: the shared retry loop on ``requests``, with UTF-8 Basic auth."""

from __future__ import annotations

import pytest
import requests
from crmkit_1c._http import HttpSession

from crmkit.errors import PermanentError, TransientError

PASSWORD = "пароль-1c"  # noqa: S105 - a test value


def _response(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> requests.Response:
    """Return a ``requests.Response`` as the server would answer."""
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 400: "Bad Request", 503: "Service Unavailable"}[status]
    response._content = body
    response.headers.update(headers or {})
    return response


def _session(script: list[requests.Response | Exception], sent: list[tuple]) -> HttpSession:
    """Return a session whose requests answer with the next of ``script``."""
    http = HttpSession(
        "1c",
        username="Администратор",
        password=PASSWORD,
        timeout=3,
        retries=2,
        backoff=0.5,
        sleep=sent.append,
    )

    def request(method: str, url: str, **options: object) -> requests.Response:
        sent.append((method, url, options["data"], http.session.headers["Authorization"]))
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        step.url = url
        return step

    http.session.request = request  # type: ignore[method-assign]
    return http


def test_a_post_is_retried_as_retry_after_says_and_sends_utf8_basic_auth():
    """503 with Retry-After waits that long; the body goes again; the login is UTF-8."""
    sent: list = []
    http = _session([_response(503, headers={"Retry-After": "4"}), _response(200, b"ok")], sent)
    reply = http.request("POST", "http://1c.test/hs/exchange", body=b"<xml/>")
    assert reply.content == b"ok"
    auth = "Basic 0JDQtNC80LjQvdC40YHRgtGA0LDRgtC+0YA60L/QsNGA0L7Qu9GMLTFj"
    call = ("POST", "http://1c.test/hs/exchange", b"<xml/>", auth)
    assert sent == [call, 4.0, call]


def test_timeouts_give_up_transient_without_the_password(caplog):
    """Timeouts are retried with backoff, then a TransientError naming the attempts."""
    sent: list = []
    timeouts: list[requests.Response | Exception] = [requests.ConnectTimeout(PASSWORD)] * 3
    http = _session(timeouts, sent)
    with caplog.at_level("DEBUG"), pytest.raises(TransientError) as failure:
        http.get("http://1c.test/odata")
    assert str(failure.value) == (
        "source '1c': GET http://1c.test/odata: no answer in 3 s (gave up after 3 attempts)"
    )
    assert [s for s in sent if isinstance(s, float)] == [0.5, 1.0]
    assert PASSWORD not in caplog.text


def test_a_permanent_status_is_raised_at_once_or_as_refused_says():
    """400 is not retried: the generic message, or the adapter's own error."""
    sent: list = []
    http = _session([_response(400, f"bad {PASSWORD}".encode()), _response(400)], sent)
    with pytest.raises(PermanentError) as failure:
        http.get("http://1c.test/odata")
    assert (
        str(failure.value) == "source '1c': GET http://1c.test/odata: HTTP 400 Bad Request: bad ***"
    )
    with pytest.raises(LookupError):
        http.get("http://1c.test/odata", refused=lambda _r: LookupError("1C says no"))
    assert len(sent) == 2

"""crmkit.sdk.rest and the retry loop of crmkit.sdk.http, over an in-memory transport."""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING, Any

import attrs
import msgspec
import pytest

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.http import RetryingClient
from crmkit.sdk.rest import RetryingSession
from crmkit.sdk.retry import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Mapping

SECRET = "s3cr3t-token"  # noqa: S105 - a test value


@attrs.frozen
class FakeReply:
    """A reply as an HTTP library would give it."""

    status_code: int
    content: bytes = b""
    reason: str | None = None
    headers: dict[str, str] = attrs.field(factory=dict)
    url: str = ""


class ScriptedSession(RetryingSession[FakeReply]):
    """Answers each GET with the next of ``script`` (a reply, or an exception to raise)."""

    def __init__(self, script: list[FakeReply | BaseException], **options: Any) -> None:
        self.waits: list[float] = []
        options = {"timeout": 5.0, "retry": RetryPolicy(max_retries=2), **options}
        super().__init__("shop", secrets=(SECRET,), sleep=self.waits.append, **options)
        self.script = script
        self.urls: list[str] = []

    def send(self, url: str) -> FakeReply:
        """Return the next scripted reply for ``url``, or raise the scripted exception."""
        self.urls.append(url)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return attrs.evolve(step, url=url)

    def error_details(self, body: Any) -> str | None:
        """Return the ``message`` of a JSON error body."""
        return body.get("message") if isinstance(body, dict) else None


def test_a_transient_status_is_retried_and_retry_after_wins():
    """A transient status is retried and Retry-After wins."""
    session = ScriptedSession([FakeReply(503, headers={"Retry-After": "7"}), FakeReply(200, b"[]")])
    reply = session.get("http://shop.test/orders", {"page": 2, "after": None})
    assert reply.status_code == 200
    assert session.urls == ["http://shop.test/orders?page=2"] * 2
    assert session.waits == [7.0]
    assert session.requests_sent == 2


def test_a_list_parameter_repeats_its_key_as_requests_would_send_it():
    """``status=[a, b]`` becomes ``status=a&status=b``, added to a query already there."""
    session = ScriptedSession([FakeReply(200, b"[]")])
    session.get("http://shop.test/orders?per_page=50", {"status": ["processing", "on-hold"]})
    assert session.urls == ["http://shop.test/orders?per_page=50&status=processing&status=on-hold"]


def test_a_retry_logs_no_secret(caplog):
    """The log line of a retry names the source and the status, never a secret."""
    session = ScriptedSession([FakeReply(503, SECRET.encode()), FakeReply(200, b"[]")])
    with caplog.at_level("DEBUG"):
        session.get(f"http://shop.test/orders?consumer_secret={SECRET}")
    assert caplog.records
    assert SECRET not in caplog.text


def test_timeouts_and_refused_connections_give_up_as_transient_errors():
    """Timeouts and refused connections give up as transient errors."""
    session = ScriptedSession([TimeoutError(), ConnectionError("refused"), TimeoutError()])
    with pytest.raises(TransientError, match="no answer in 5 s") as failure:
        session.get("http://shop.test/orders")
    assert isinstance(failure.value.__cause__, TimeoutError)
    assert session.requests_sent == 3
    assert len(session.waits) == 2


def test_a_permanent_status_is_raised_at_once_in_the_sources_words_without_secrets():
    """A permanent status is raised at once in the source's words without secrets."""
    body = msgspec.json.encode({"message": f"bad token {SECRET}"})
    session = ScriptedSession([FakeReply(401, body, reason="Unauthorized")])
    with pytest.raises(PermanentError) as failure:
        session.get("http://shop.test/orders", {"token": SECRET})
    message = str(failure.value)
    assert "HTTP 401 Unauthorized: bad token ***" in message
    assert SECRET not in message
    assert session.waits == []


def test_an_error_body_without_details_shows_its_text():
    """An error body without details shows its text."""
    session = ScriptedSession([FakeReply(404, b"<h1>no   such\npage</h1>", reason="Not Found")])
    with pytest.raises(PermanentError, match=r"HTTP 404 Not Found: <h1>no such page</h1>"):
        session.get("http://shop.test/nowhere")


def test_hooks_run_around_every_attempt():
    """Hooks run around every attempt."""
    seen: list[str] = []

    class Hooked(ScriptedSession):
        """Notes when its hooks run."""

        def before_send(self) -> None:
            """Note the attempt."""
            seen.append("before")

        def after_success(self, reply: FakeReply) -> None:
            """Note the reply."""
            seen.append(f"after {reply.status_code}")

    Hooked([FakeReply(500), FakeReply(200)]).get("http://shop.test/")
    assert seen == ["before", "before", "after 200"]


def test_records_keep_the_verbatim_json_and_decode_amounts_exactly():
    """Records keep the verbatim json and decode amounts exactly."""
    session = ScriptedSession([])
    page = FakeReply(200, b'[{"id": 1, "total": 0.1}, {"id":2}]', url="http://shop.test/o")
    records = session.records(page)
    assert records == [
        ('{"id": 1, "total": 0.1}', {"id": 1, "total": decimal.Decimal("0.1")}),
        ('{"id":2}', {"id": 2}),
    ]
    wrapped = FakeReply(200, b'{"orders": [{"id": 3}]}', url="http://shop.test/o")
    assert session.records(wrapped, "orders") == [('{"id": 3}', {"id": 3})]


def test_a_page_of_another_form_is_a_permanent_error_saying_what_came():
    """A page of another form is a permanent error saying what came."""
    session = ScriptedSession([])
    with pytest.raises(PermanentError, match=r"not a JSON list of records.*it starts .<html>."):
        session.records(FakeReply(200, b"<html>", url="http://shop.test/o"))
    with pytest.raises(PermanentError, match=r"has no 'orders' list \(keys: \['errors'\]\)"):
        session.records(FakeReply(200, b'{"errors": []}', url="http://shop.test/o"), "orders")


class ScriptedClient(RetryingClient[FakeReply]):
    """Answers any method with the next of ``script``, noting what was sent."""

    def __init__(self, script: list[FakeReply | BaseException]) -> None:
        self.waits: list[float] = []
        super().__init__(
            "crm", timeout=2.0, retry=RetryPolicy(max_retries=2), sleep=self.waits.append
        )
        self.script = script
        self.sent: list[tuple[str, str, bytes | None, dict[str, str]]] = []

    def transmit(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None
    ) -> FakeReply:
        """Note the request; return the next scripted reply or raise the scripted exception."""
        self.sent.append((method, url, body, dict(headers or {})))
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return attrs.evolve(step, url=url)


def test_a_post_is_retried_with_its_body_and_gives_up_naming_the_attempts(caplog):
    """POST runs the same loop as GET: body and headers on every attempt, then a TransientError."""
    client = ScriptedClient([FakeReply(503), ConnectionError("refused"), FakeReply(502)])
    with caplog.at_level("WARNING"), pytest.raises(TransientError) as failure:
        client.request("POST", "http://crm.test/orders", body=b"{}", headers={"X-A": "1"})
    assert str(failure.value) == (
        "source 'crm': POST http://crm.test/orders: HTTP 502 (gave up after 3 attempts)"
    )
    assert client.sent == [("POST", "http://crm.test/orders", b"{}", {"X-A": "1"})] * 3
    assert client.waits == [1.0, 2.0]
    assert "POST http://crm.test/orders: cannot connect: refused; retry 2 of 2" in caplog.text


def test_a_single_attempt_gives_up_without_counting_and_keeps_retry_after():
    """With no retries the message has no attempt count; the Retry-After is kept."""
    session = ScriptedSession([FakeReply(429, headers={"retry-after": "9"})], retry=RetryPolicy(0))
    with pytest.raises(TransientError) as failure:
        session.get("http://shop.test/orders")
    assert str(failure.value) == "source 'shop': GET http://shop.test/orders: HTTP 429"
    assert failure.value.retry_after == 9.0


def test_refused_turns_a_permanent_status_into_the_callers_error():
    """``refused`` chooses the error of a permanent status; ``None`` keeps the default."""
    client = ScriptedClient([FakeReply(403), FakeReply(403, b"no")])
    with pytest.raises(LookupError, match="403"):
        client.get("http://crm.test/x", refused=lambda r: LookupError(str(r.status_code)))
    with pytest.raises(PermanentError, match=r"GET http://crm.test/x: HTTP 403: no$"):
        client.get("http://crm.test/x", refused=lambda _r: None)
    assert client.waits == []


def test_a_get_only_session_refuses_other_methods():
    """A session that implements only ``send`` says to override ``transmit`` for a POST."""
    session = ScriptedSession([])
    with pytest.raises(NotImplementedError, match=r"override transmit\(\) for POST"):
        session.request("POST", "http://shop.test/orders", body=b"{}")

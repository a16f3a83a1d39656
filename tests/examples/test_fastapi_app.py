"""examples/fastapi_app: crmkit embedded in a FastAPI application, through fastapi's TestClient."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import crmkit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi_app"


def import_customers(url):
    """Import the example's customers.jsonl through crmkit's jsonl adapter, as the README does."""
    with crmkit.open(url, entrypoints=False, default_region="RU") as crm:
        adapter = crm.adapter("jsonl", "erp", {"path": str(EXAMPLE / "customers.jsonl")})
        outcome = crm.import_from(adapter)
    assert (outcome.read, outcome.stored, outcome.dead_lettered) == (3, 3, 0)


@pytest.fixture
def url(tmp_path):
    """Return the URL of a scratch SQLite database holding the example customers."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    import_customers(url)
    return url


@pytest.fixture
def client(fastapi_example, url):
    """Return a TestClient of the example app on the scratch database, its lifespan running."""
    app = fastapi_example.create_app(fastapi_example.Settings(database_url=url))
    with TestClient(app) as client:
        yield client


def test_crmkit_opens_with_the_app_and_closes_with_it(fastapi_example, url):
    """The lifespan opens one crmkit on the configured database and disposes it at shutdown."""
    app = fastapi_example.create_app(fastapi_example.Settings(database_url=url))
    with TestClient(app):
        crm = app.state.crm
        assert crm.database.display_url() == url
        assert crm.database.engine.pool.checkedout() == 0
    assert crm.database.engine.pool.checkedin() == 0


def test_settings_come_from_the_environment(fastapi_example, monkeypatch):
    """``CRMKIT_DATABASE_URL``, ``CRMKIT_DEFAULT_REGION`` and ``CRMKIT_SOURCE`` are read."""
    monkeypatch.setenv("CRMKIT_DATABASE_URL", "postgresql://crm@db.internal/crm")
    monkeypatch.setenv("CRMKIT_SOURCE", "callcenter")
    settings = fastapi_example.Settings.from_environment()
    assert settings.database_url == "postgresql://crm@db.internal/crm"
    assert (settings.default_region, settings.source) == ("RU", "callcenter")


def test_the_endpoints_are_synchronous_so_they_run_in_the_threadpool(fastapi_example):
    """Every endpoint is a plain function, which FastAPI runs off the event loop: crmkit blocks."""
    for endpoint in (
        fastapi_example.card,
        fastapi_example.find,
        fastapi_example.record_interaction,
    ):
        assert not inspect.iscoroutinefunction(endpoint)


def test_the_card_endpoint_returns_the_customer_card(client):
    """``GET /customers/ID/card`` answers the card crmkit builds."""
    [anna] = client.get("/customers", params={"phone": "8 903 765-43-21"}).json()["customers"]
    response = client.get(f"/customers/{anna['id']}/card")
    assert response.status_code == 200
    card = response.json()
    assert card["customer"]["name"] == "Смирнова Анна Викторовна"
    assert card["contacts"]["emails"] == ["anna.smirnova@example.ru"]


def test_an_unknown_customer_is_a_404(client):
    """An id nobody has is answered 404 with crmkit's message."""
    response = client.get("/customers/999/card")
    assert response.status_code == 404
    assert response.json() == {"detail": "no customer with id 999"}


def test_finding_by_email_and_needing_a_key(client):
    """An e-mail in any case finds the customer; no key at all is a bad request."""
    [found] = client.get("/customers", params={"email": "ZAKAZ@romashka.ru"}).json()["customers"]
    assert found["name"] == "ООО «Ромашка»"
    assert client.get("/customers").status_code == 400


def test_a_posted_interaction_is_committed_before_the_answer(client, url):
    """The 201 answer comes after the commit: another crmkit on the database already sees it."""
    posted = client.post(
        "/interactions",
        json={
            "phone": "+7 916 111 22 33",
            "channel": "meeting",
            "direction": "out",
            "occurred_at": "2026-12-02T12:00:00+03:00",
            "agent": "olga",
            "outcome": "contract signed",
        },
    )
    assert posted.status_code == 201, posted.json()
    [ivan_id] = posted.json()["customers"]
    with crmkit.open(url, entrypoints=False) as other:
        [ivan] = other.find_customers(identity=("erp", "c-1003"))
        [stored] = other.interactions(ivan.id)
    assert ivan.id == ivan_id
    assert (stored.agent, stored.outcome) == ("olga", "contract signed")


def test_a_body_crmkit_refuses_is_a_422_and_stores_nothing(client, url):
    """A naive time fails the request model; an unknown channel fails crmkit's check."""
    naive = {"phone": "+79161112233", "channel": "phone", "direction": "in"}
    naive["occurred_at"] = "2026-12-01T10:00:00"
    assert client.post("/interactions", json=naive).status_code == 422
    pigeon = {"phone": "+79161112233", "channel": "pigeon", "direction": "in"}
    refused = client.post("/interactions", json=pigeon)
    assert refused.status_code == 422
    assert "pigeon" in refused.json()["detail"]
    with crmkit.open(url, entrypoints=False) as other:
        [ivan] = other.find_customers(phone="+79161112233")
        assert other.interactions(ivan.id) == []


def test_the_app_works_the_same_on_every_database(fastapi_example, database_url):
    """Import, look up, record and read the card again, on SQLite and on PostgreSQL."""
    import_customers(database_url)
    app = fastapi_example.create_app(fastapi_example.Settings(database_url=database_url))
    with TestClient(app) as client:
        [romashka] = client.get("/customers", params={"phone": "+74951234567"}).json()["customers"]
        posted = client.post(
            "/interactions",
            json={"phone": "8 495 123 45 67", "channel": "phone", "direction": "in", "nps": 9},
        )
        assert posted.status_code == 201, posted.json()
        assert posted.json()["customers"] == [romashka["id"]]
        card = client.get(f"/customers/{romashka['id']}/card").json()
    assert card["identifiers"] == {"inn": "7707083893"}
    assert [i["nps"] for i in card["interactions"]] == [9]

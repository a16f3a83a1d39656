"""examples/flask_app: crmkit embedded in a Flask application, driven through its routes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import crmkit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flask_app"


def import_customers(app, source="erp"):
    """Import the example's customers.jsonl through the app's ``flask crm-import`` command."""
    path = str(EXAMPLE / "customers.jsonl")
    result = app.test_cli_runner().invoke(args=["crm-import", path, "--source", source])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def make_app(flask_example):
    """Return ``make_app(url)``: the example app on database ``url``, closed after the test."""
    apps = []

    def make(url):
        app = flask_example.create_app({"CRMKIT_DATABASE_URL": url, "TESTING": True})
        apps.append(app)
        return app

    yield make
    for app in apps:
        flask_example.close(app)


@pytest.fixture
def url(tmp_path):
    """Return the URL of a scratch SQLite database."""
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def app(make_app, url):
    """Return the example app on a scratch SQLite database holding the example customers."""
    app = make_app(url)
    assert import_customers(app) == "erp: 3 read, 3 stored, 0 dead-lettered\n"
    return app


def test_one_crmkit_per_app_opened_on_the_configured_database(make_app, url, tmp_path):
    """Each app holds its own crmkit, on the URL it was given; two apps do not share one."""
    first = make_app(url)
    second = make_app(f"sqlite:///{tmp_path / 'other.db'}")
    with first.app_context():
        crm = first.extensions["crmkit"]
        assert crm.database.display_url() == url
    assert second.extensions["crmkit"] is not crm


def test_the_database_url_comes_from_the_environment(flask_example, monkeypatch, tmp_path):
    """Without settings, ``CRMKIT_DATABASE_URL`` (SQLite or PostgreSQL) names the database."""
    wanted = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv("CRMKIT_DATABASE_URL", wanted)
    app = flask_example.create_app()
    try:
        assert app.config["CRMKIT_DATABASE_URL"] == wanted
        assert (tmp_path / "from-env.db").exists()
    finally:
        flask_example.close(app)


def test_the_card_route_returns_the_customer_card_as_json(app):
    """``GET /customers/ID/card`` answers the card crmkit builds, identities and contacts."""
    client = app.test_client()
    [anna] = client.get("/customers", query_string={"email": "anna.smirnova@EXAMPLE.ru"}).json[
        "customers"
    ]
    response = client.get(f"/customers/{anna['id']}/card")
    assert response.status_code == 200
    card = response.json
    assert card["customer"]["name"] == "Смирнова Анна Викторовна"
    assert card["identities"] == [{"source": "erp", "external_id": "c-1002"}]
    assert card["contacts"]["phones"] == ["+79037654321"]


def test_an_unknown_customer_is_a_json_404(app):
    """An id nobody has is answered 404 with crmkit's message."""
    response = app.test_client().get("/customers/999/card")
    assert response.status_code == 404
    assert response.json == {"error": "no customer with id 999"}


def test_customers_are_found_by_a_phone_written_differently(app):
    """A phone in the caller's spelling finds the customer stored from ``8 (495) ...``."""
    response = app.test_client().get("/customers", query_string={"phone": "+7 495 123-45-67"})
    assert response.status_code == 200
    [found] = response.json["customers"]
    assert found["name"] == "ООО «Ромашка»"
    assert found["phones"] == ["+74951234567"]


def test_finding_needs_a_phone_or_an_email(app):
    """Without ``?phone=`` or ``?email=`` the look-up is a bad request."""
    assert app.test_client().get("/customers").status_code == 400


def test_a_posted_interaction_is_committed_before_the_answer(app, url):
    """The 201 answer comes after the commit: another crmkit on the database already sees it."""
    client = app.test_client()
    posted = client.post(
        "/interactions",
        json={
            "phone": "8 916 111-22-33",
            "channel": "phone",
            "direction": "in",
            "occurred_at": "2026-12-01T10:15:00+03:00",
            "subject": "where is my order?",
            "duration_seconds": 95,
        },
    )
    assert posted.status_code == 201, posted.json
    [ivan_id] = posted.json["customers"]
    assert posted.json["interaction"]["at"] == "2026-12-01T07:15:00+00:00"
    with crmkit.open(url, entrypoints=False) as other:
        [stored] = other.interactions(ivan_id)
    assert (stored.source, stored.subject, stored.duration_seconds) == (
        "helpdesk",
        "where is my order?",
        95,
    )
    card = client.get(f"/customers/{ivan_id}/card").json
    assert [i["subject"] for i in card["interactions"]] == ["where is my order?"]


def test_an_interaction_crmkit_refuses_is_a_422_and_stores_nothing(app, url):
    """An unknown channel is answered 422 with the reason; no interaction is stored."""
    client = app.test_client()
    refused = client.post(
        "/interactions", json={"phone": "+79161112233", "channel": "pigeon", "direction": "in"}
    )
    assert refused.status_code == 422
    assert "pigeon" in refused.json["error"]
    with crmkit.open(url, entrypoints=False) as other:
        [ivan] = other.find_customers(phone="+79161112233")
        assert other.interactions(ivan.id) == []


def test_the_app_works_the_same_on_every_database(make_app, database_url):
    """Import, look up, record and read the card again, on SQLite and on PostgreSQL."""
    app = make_app(database_url)
    import_customers(app)
    client = app.test_client()
    [romashka] = client.get("/customers", query_string={"phone": "84951234567"}).json["customers"]
    posted = client.post(
        "/interactions",
        json={"email": "zakaz@romashka.ru", "channel": "email", "direction": "in", "csat": 5},
    )
    assert posted.status_code == 201, posted.json
    assert posted.json["customers"] == [romashka["id"]]
    card = client.get(f"/customers/{romashka['id']}/card").json
    assert card["identifiers"] == {"inn": "7707083893"}
    assert [i["csat"] for i in card["interactions"]] == [5]


def test_one_crmkit_serves_concurrent_requests(make_app, database_url):
    """Requests on several threads share the app's crmkit; every interaction is stored once."""
    app = make_app(database_url)
    import_customers(app)

    def post(number):
        response = app.test_client().post(
            "/interactions",
            json={
                "external_id": f"call-{number}",
                "phone": "+79161112233",
                "channel": "phone",
                "direction": "in",
            },
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(post, range(12))) == {201}
    with crmkit.open(database_url, entrypoints=False) as other:
        [ivan] = other.find_customers(phone="+79161112233")
        stored = other.interactions(ivan.id)
    assert sorted(i.external_id for i in stored) == sorted(f"call-{n}" for n in range(12))

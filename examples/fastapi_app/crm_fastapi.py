"""crmkit inside an existing FastAPI application: customer cards, look-ups, and interactions.

Run it with ``uvicorn crm_fastapi:app`` from this folder (see README.md), or build your own
app with :func:`create_app`. One :class:`crmkit.Crmkit` is opened per application when it
starts (the lifespan) and closed when it stops; endpoints receive it through the
:func:`get_crm` dependency.

crmkit is synchronous (SQLAlchemy Core over a blocking driver), so the endpoints are plain
``def`` functions: FastAPI runs them in its thread pool and the event loop never waits on the
database. Do not call crmkit from an ``async def`` endpoint; if you must, wrap the call in
``await starlette.concurrency.run_in_threadpool(...)``.

What commits when: each crmkit call is its own transaction. ``crm.card()`` and
``crm.find_customers()`` only read; ``crm.record_interaction()`` commits before it returns,
so the ``201`` answer is only sent for a stored interaction. crmkit never joins the host
application's own transaction: commit the host's work first and record the interaction last.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import AwareDatetime, BaseModel, Field

import crmkit
from crmkit.errors import RecordError, UnknownCustomerError
from crmkit.schemas.interactions import interaction_document

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from crmkit.domain import Interaction


class Settings(BaseModel):
    """Where the database is and how interactions are recorded; read from the environment."""

    database_url: str = "sqlite:///crmkit.db"
    default_region: str = "RU"
    source: str = "helpdesk"

    @classmethod
    def from_environment(cls) -> Settings:
        """Return settings from the ``CRMKIT_*`` variables of the environment, if set."""
        names = {
            "database_url": "CRMKIT_DATABASE_URL",
            "default_region": "CRMKIT_DEFAULT_REGION",
            "source": "CRMKIT_SOURCE",
        }
        return cls(**{field: os.environ[var] for field, var in names.items() if var in os.environ})


class InteractionIn(BaseModel):
    """An interaction to record; the customer is named by phone, e-mail or external id."""

    channel: str
    direction: str
    occurred_at: AwareDatetime | None = None
    external_id: str | None = None
    customer_external_id: str | None = None
    phone: str | None = None
    email: str | None = None
    duration_seconds: int | None = Field(default=None, ge=0)
    subject: str | None = None
    agent: str | None = None
    outcome: str | None = None
    order_number: str | None = None
    csat: int | None = None
    nps: int | None = None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the FastAPI application; crmkit opens when it starts and closes when it stops."""
    chosen = settings or Settings.from_environment()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = chosen
        app.state.crm = crmkit.open(chosen.database_url, default_region=chosen.default_region)
        try:
            yield
        finally:
            app.state.crm.close()

    app = FastAPI(title="crmkit embedded", lifespan=lifespan)
    app.get("/customers/{customer_id}/card")(card)
    app.get("/customers")(find)
    app.post("/interactions", status_code=201)(record_interaction)
    return app


def get_crm(request: Request) -> crmkit.Crmkit:
    """Return the application's crmkit instance (one per app, shared by its requests)."""
    crm: crmkit.Crmkit = request.app.state.crm
    return crm


def get_settings(request: Request) -> Settings:
    """Return the application's settings."""
    settings: Settings = request.app.state.settings
    return settings


Crm = Annotated[crmkit.Crmkit, Depends(get_crm)]


def card(customer_id: int, crm: Crm) -> dict[str, Any]:
    """Return the customer card of ``customer_id`` (404 when nobody has that id)."""
    try:
        return crm.card(customer_id)
    except UnknownCustomerError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


def find(crm: Crm, phone: str | None = None, email: str | None = None) -> dict[str, Any]:
    """Return the customers found by ``?phone=`` or ``?email=``, in any spelling."""
    if not phone and not email:
        raise HTTPException(status_code=400, detail="give ?phone= or ?email=")
    found = crm.find_customers(phone=phone or None, email=email or None)
    return {
        "customers": [
            {"id": c.id, "name": c.name, "phones": c.phones(), "emails": c.emails()} for c in found
        ]
    }


def record_interaction(
    body: InteractionIn, crm: Crm, settings: Annotated[Settings, Depends(get_settings)]
) -> dict[str, Any]:
    """Record one interaction; answer ``201`` once it is stored, ``422`` if crmkit refuses it."""
    fields = body.model_dump(exclude_none=True, exclude={"occurred_at"})
    try:
        interaction = crm.record_interaction(
            settings.source, occurred_at=body.occurred_at or dt.datetime.now(dt.UTC), **fields
        )
    except (RecordError, ValueError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {
        "interaction": interaction_document(interaction),
        "customers": linked_customers(crm, interaction),
    }


def linked_customers(crm: crmkit.Crmkit, interaction: Interaction) -> list[int]:
    """Return the ids of the customers an interaction is linked to: by identity, phone, e-mail."""
    if interaction.customer_ref is not None:
        ref = interaction.customer_ref
        found = crm.find_customers(identity=(ref.source, ref.external_id))
    elif interaction.phone:
        found = crm.find_customers(phone=interaction.phone)
    elif interaction.email:
        found = crm.find_customers(email=interaction.email)
    else:
        found = []
    return [c.id for c in found]


app = create_app()

"""crmkit inside an existing Flask application: customer cards, look-ups, and interactions.

Run it with ``flask --app crm_flask run`` from this folder (see README.md). The app factory
:func:`create_app` opens one :class:`crmkit.Crmkit` per application; every request shares it.

What commits when: each crmkit call is its own transaction. ``crm.card()`` and
``crm.find_customers()`` only read; ``crm.record_interaction()`` stores the interaction and
commits before it returns, so the ``201`` answer is only sent for an interaction that is
safely stored. crmkit never joins the host application's own database transaction: when a
request also writes the host's tables, commit those first and record the interaction last,
so that a failure in either leaves no interaction behind for work that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, abort, current_app, jsonify, request
from flask.cli import with_appcontext

import crmkit
from crmkit.errors import CrmkitError, RecordError, UnknownCustomerError
from crmkit.schemas.interactions import interaction_document
from crmkit.store.database import default_url

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask.typing import ResponseReturnValue

    from crmkit.domain import Interaction

EXTENSION = "crmkit"
OPTIONAL_FIELDS = ("duration_seconds", "subject", "agent", "outcome", "order_number", "csat", "nps")


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    """Return the Flask application, with crmkit opened on ``CRMKIT_DATABASE_URL``.

    Settings (from ``settings``, else the environment): ``CRMKIT_DATABASE_URL`` (default:
    ``sqlite:///crmkit.db`` in the current directory; a ``postgresql://`` URL for PostgreSQL),
    ``CRMKIT_DEFAULT_REGION`` (the phone region of numbers written without a country code,
    default ``RU``) and ``CRMKIT_SOURCE`` (the source name interactions are recorded under,
    default ``helpdesk``).
    """
    app = Flask(__name__)
    app.config.update(
        CRMKIT_DATABASE_URL=default_url(),
        CRMKIT_DEFAULT_REGION=os.environ.get("CRMKIT_DEFAULT_REGION", "RU"),
        CRMKIT_SOURCE=os.environ.get("CRMKIT_SOURCE", "helpdesk"),
    )
    app.config.update(settings or {})
    app.extensions[EXTENSION] = crmkit.open(
        app.config["CRMKIT_DATABASE_URL"], default_region=app.config["CRMKIT_DEFAULT_REGION"]
    )
    app.register_error_handler(UnknownCustomerError, _not_found)
    app.add_url_rule("/customers/<int:customer_id>/card", view_func=card)
    app.add_url_rule("/customers", view_func=find)
    app.add_url_rule("/interactions", view_func=record_interaction, methods=["POST"])
    app.cli.add_command(import_command)
    return app


def crm() -> crmkit.Crmkit:
    """Return the application's crmkit instance (one per app, shared by its requests)."""
    opened: crmkit.Crmkit = current_app.extensions[EXTENSION]
    return opened


def close(app: Flask) -> None:
    """Release the application's database connections (at shutdown, or after tests)."""
    app.extensions.pop(EXTENSION).close()


def _not_found(error: UnknownCustomerError) -> ResponseReturnValue:
    return jsonify(error=str(error)), 404


def card(customer_id: int) -> ResponseReturnValue:
    """Return the customer card of ``customer_id`` as JSON (404 when nobody has that id)."""
    return jsonify(crm().card(customer_id))


def find() -> ResponseReturnValue:
    """Return the customers found by ``?phone=`` or ``?email=``, in any spelling."""
    phone, email = request.args.get("phone"), request.args.get("email")
    if not phone and not email:
        abort(400, "give ?phone= or ?email=")
    found = crm().find_customers(phone=phone or None, email=email or None)
    return jsonify(
        customers=[
            {"id": c.id, "name": c.name, "phones": c.phones(), "emails": c.emails()} for c in found
        ]
    )


def record_interaction() -> ResponseReturnValue:
    """Record one interaction (a call, a visit...) posted as JSON; answer once it is stored.

    The body names the customer by ``phone``, ``email`` or ``customer_external_id`` (an
    identity in the ``CRMKIT_SOURCE`` source) and gives ``channel``, ``direction`` and
    optionally ``occurred_at`` (ISO 8601 with an offset; default: now) and the other fields
    of the generic interaction format. A body crmkit refuses is answered ``422``.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "send a JSON object")
    try:
        occurred_at = (
            dt.datetime.fromisoformat(body["occurred_at"])
            if body.get("occurred_at")
            else dt.datetime.now(dt.UTC)
        )
        interaction = crm().record_interaction(
            current_app.config["CRMKIT_SOURCE"],
            channel=str(body.get("channel", "")),
            direction=str(body.get("direction", "")),
            occurred_at=occurred_at,
            external_id=body.get("external_id"),
            customer_external_id=body.get("customer_external_id"),
            phone=body.get("phone"),
            email=body.get("email"),
            **{name: body[name] for name in OPTIONAL_FIELDS if body.get(name) is not None},
        )
    except (RecordError, ValueError, TypeError) as exc:
        return jsonify(error=str(exc)), 422
    document = interaction_document(interaction)
    return jsonify(interaction=document, customers=linked_customers(interaction)), 201


def linked_customers(interaction: Interaction) -> list[int]:
    """Return the ids of the customers an interaction is linked to: by identity, phone, e-mail."""
    if interaction.customer_ref is not None:
        ref = interaction.customer_ref
        found = crm().find_customers(identity=(ref.source, ref.external_id))
    elif interaction.phone:
        found = crm().find_customers(phone=interaction.phone)
    elif interaction.email:
        found = crm().find_customers(email=interaction.email)
    else:
        found = []
    return [c.id for c in found]


@click.command("crm-import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", required=True, help="The source system the records come from.")
@with_appcontext
def import_command(path: str, source: str) -> None:
    """Import customers, one JSON object per line, from PATH through crmkit's jsonl adapter."""
    instance = crm()
    try:
        outcome = instance.import_from(instance.adapter("jsonl", source, {"path": path}))
    except CrmkitError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{source}: {outcome.read} read, {outcome.stored} stored,"
        f" {outcome.dead_lettered} dead-lettered"
    )

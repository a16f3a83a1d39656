"""Loading a source's settings with a marshmallow schema, failing with a message that says where."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import marshmallow

from crmkit.errors import ConfigError, format_messages

if TYPE_CHECKING:
    from collections.abc import Mapping


def load_settings(
    schema: type[marshmallow.Schema], config: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """Return ``config`` loaded (checked and converted) by ``schema``.

    A setting that does not pass raises :class:`~crmkit.errors.ConfigError` starting with
    ``where`` (``source 'shop' (adapter 'woocommerce')``), then each key and its problem.
    """
    try:
        loaded: dict[str, Any] = schema().load(dict(config))
    except marshmallow.ValidationError as exc:
        raise ConfigError(f"{where}: {format_messages(exc.messages)}") from exc
    return loaded

"""Record validation at ingest speed, with marshmallow as the single authority.

Validating a million records through marshmallow costs about 50 µs each, more than
inserting them. :class:`RecordValidator` therefore translates a marshmallow schema into an
equivalent msgspec type once, checks each record against that (about 1 µs), and asks
marshmallow itself only when msgspec objects, so that marshmallow has the last word and
writes every error message. The translation is conservative: a field type, validator or
hook it does not know makes the whole schema fall back to plain marshmallow.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import marshmallow
import msgspec
from marshmallow import fields, validate

from crmkit.errors import RecordError, format_messages

_SCALARS: dict[type[fields.Field[Any]], Any] = {
    fields.String: str,
    fields.Date: dt.date,
    fields.AwareDateTime: Annotated[dt.datetime, msgspec.Meta(tz=True)],
    fields.Raw: Any,
}


class _Untranslatable(Exception):  # noqa: N818 - internal control flow, never escapes
    """Raised inside the translator when a schema uses something it does not know."""


def _anchored(pattern: str | bytes) -> bool:
    return isinstance(pattern, str) and pattern.startswith("^")


def _apply_validators(field: fields.Field[Any], base: Any) -> Any:
    meta: dict[str, Any] = {}
    result = base
    for validator in field.validators:
        if isinstance(validator, validate.OneOf) and base is str:
            result = Literal[tuple(validator.choices)]
        elif isinstance(validator, validate.Length) and validator.equal is None:
            if validator.min is not None:
                meta["min_length"] = validator.min
            if validator.max is not None:
                meta["max_length"] = validator.max
        elif isinstance(validator, validate.Regexp) and _anchored(validator.regex.pattern):
            meta["pattern"] = validator.regex.pattern
        else:
            raise _Untranslatable(f"validator {validator!r}")
    return Annotated[result, msgspec.Meta(**meta)] if meta else result


def _field_type(field: fields.Field[Any]) -> Any:
    kind = type(field)
    if kind in _SCALARS:
        base = _SCALARS[kind]
    elif kind is fields.List:
        base = list[_field_type(field.inner)]  # type: ignore[attr-defined,misc]
    elif kind is fields.Dict:
        keys = field.key_field  # type: ignore[attr-defined]
        values = field.value_field  # type: ignore[attr-defined]
        key_type = str if keys is None else _field_type(keys)
        value_type = Any if values is None else _field_type(values)
        base = dict[key_type, value_type]  # type: ignore[valid-type]
    elif kind is fields.Nested:
        nested = field.schema  # type: ignore[attr-defined]
        base = _struct_for(nested)
        if getattr(field, "many", False):
            base = list[base]  # type: ignore[valid-type]
    else:
        raise _Untranslatable(f"field type {kind.__name__}")
    result = _apply_validators(field, base)
    return result | None if field.allow_none else result


def _struct_for(schema: marshmallow.Schema) -> Any:
    hooks = schema._hooks  # noqa: SLF001 - marshmallow exposes no public view of its hooks
    for tag in ("pre_load", "validates_schema", "validates"):
        if any(tag in str(key) for key in hooks if hooks[key]):
            raise _Untranslatable(f"{type(schema).__name__} has {tag} hooks")
    specs: list[tuple[Any, ...]] = []
    rename: dict[str, str] = {}
    for name, field in schema.load_fields.items():
        ftype = _field_type(field)
        if field.required:
            specs.append((name, ftype))
        else:
            specs.append((name, ftype, None))
        if field.data_key and field.data_key != name:
            rename[name] = field.data_key
    specs.sort(key=len)  # required fields (no default) first, as msgspec requires
    return msgspec.defstruct(
        f"Fast{type(schema).__name__}",
        specs,
        rename=rename or None,
        forbid_unknown_fields=schema.unknown == marshmallow.RAISE,
    )


def translate_schema(schema: marshmallow.Schema) -> Any | None:
    """Return a msgspec type accepting only what ``schema`` accepts, or ``None`` if unsure."""
    try:
        return _struct_for(schema)
    except _Untranslatable:
        return None


class RecordValidator:
    """Decide whether a parsed record is structurally valid for a marshmallow schema.

    ``validate(data)`` returns nothing for a valid record and raises
    :class:`~crmkit.errors.RecordError` with marshmallow's messages for an invalid one.
    """

    def __init__(self, schema: marshmallow.Schema) -> None:
        self.schema = schema
        self.fast_type = translate_schema(schema)

    def validate(self, data: Any) -> None:
        """Raise :class:`RecordError` naming each bad field unless ``data`` is valid."""
        if not isinstance(data, dict):
            found = "null" if data is None else type(data).__name__
            raise RecordError(f"record must be a JSON object, got {found}")
        if self.fast_type is not None:
            try:
                msgspec.convert(data, self.fast_type, strict=True)
            except msgspec.ValidationError:
                pass
            else:
                return
        self.load(data)

    def load(self, data: Any) -> Any:
        """Return ``data`` loaded by the marshmallow schema, or raise :class:`RecordError`."""
        if not isinstance(data, dict):
            found = "null" if data is None else type(data).__name__
            raise RecordError(f"record must be a JSON object, got {found}")
        try:
            return self.schema.load(data)
        except marshmallow.ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
            raise RecordError(format_messages(messages), messages) from exc

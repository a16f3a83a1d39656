"""Record validation at ingest speed, with marshmallow as the single authority.

Validating a million records through marshmallow costs about 50 µs each, more than
inserting them. :class:`RecordValidator` therefore translates a marshmallow schema into an
equivalent msgspec type once, checks each record against that (about 1 µs), and asks
marshmallow itself only when msgspec objects, so that marshmallow has the last word and
writes every error message. The translation is conservative: a field type, validator or
hook it does not know makes the whole schema fall back to plain marshmallow. A top-level
field of a subclass of a known type (such as :class:`~crmkit.schemas.fields.UtcDateTime`)
is checked by msgspec as its base type and then by its own marshmallow field, so the
subclass's stricter rules hold on the fast path too.

``post_load`` hooks are not consulted on the fast path of :meth:`RecordValidator.validate`:
they must not refuse what the fields accept (put such rules in fields or validators).

:meth:`RecordValidator.load` has a fast path too (stored records are loaded again by every
resolution run): once msgspec accepts a record, the loaded data is built from it field by
field as marshmallow builds it (defaults for missing keys, lists and dicts copied, nested
schemas loaded the same way), with marshmallow's own fields converting dates and
date-times, and the schemas' ``post_load`` hooks run on the result. Anything the fast path
cannot decide goes through ``schema.load``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

import marshmallow
import msgspec
from marshmallow import fields, validate

from crmkit.errors import RecordError, format_messages

#: Turns one value msgspec accepted into what the marshmallow field would load.
_Convert = Callable[[Any], Any]

_SCALARS: dict[type[fields.Field[Any]], Any] = {
    fields.String: str,
    fields.Date: dt.date,
    fields.AwareDateTime: Annotated[dt.datetime, msgspec.Meta(tz=True)],
}
_ISO_FORMATS = (None, "iso", "iso8601")


class _Untranslatable(Exception):  # noqa: N818 - internal control flow, never escapes
    """Raised inside the translator when a schema uses something it does not know."""


def _search_pattern(regex: re.Pattern[Any]) -> str:
    """Return ``regex`` as msgspec's search pattern with marshmallow's match semantics."""
    if not isinstance(regex.pattern, str) or regex.flags & ~re.UNICODE:
        raise _Untranslatable(f"pattern {regex.pattern!r} with flags {regex.flags}")
    return rf"\A(?:{regex.pattern})"


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
        elif isinstance(validator, validate.Regexp):
            meta["pattern"] = _search_pattern(validator.regex)
        else:
            raise _Untranslatable(f"validator {validator!r}")
    return Annotated[result, msgspec.Meta(**meta)] if meta else result


def _base_scalar(field: fields.Field[Any]) -> type[fields.Field[Any]] | None:
    for base in type(field).__mro__:
        if base in _SCALARS:
            return base
    return None


def _field_type(field: fields.Field[Any], *, top_level: bool = False) -> Any:
    kind = type(field)
    if getattr(field, "format", None) not in _ISO_FORMATS:
        raise _Untranslatable(f"{kind.__name__} with format {field.format!r}")  # type: ignore[attr-defined]
    scalar = _base_scalar(field)
    base: Any
    if kind is fields.Raw and field.allow_none:
        base = Any
    elif scalar is not None and (kind is scalar or top_level):
        base = _SCALARS[scalar]
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
            base = list[base]
    else:
        raise _Untranslatable(f"field type {kind.__name__}")
    result = _apply_validators(field, base)
    return result | None if field.allow_none else result


def _struct_for(schema: marshmallow.Schema, *, top_level: bool = False) -> Any:
    hooks = schema._hooks  # noqa: SLF001 - marshmallow exposes no public view of its hooks
    for tag in ("pre_load", "validates_schema", "validates"):
        if any(tag in str(key) for key in hooks if hooks[key]):
            raise _Untranslatable(f"{type(schema).__name__} has {tag} hooks")
    specs: list[tuple[Any, ...]] = []
    rename: dict[str, str] = {}
    for name, field in schema.load_fields.items():
        ftype = _field_type(field, top_level=top_level)
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
    """Return a msgspec type accepting only what ``schema`` accepts, or ``None`` if unsure.

    Top-level fields of subclasses of known types are typed as their base; pair the result
    with :func:`fields_to_recheck`.
    """
    try:
        return _struct_for(schema, top_level=True)
    except _Untranslatable:
        return None


def fields_to_recheck(schema: marshmallow.Schema) -> list[tuple[str, fields.Field[Any]]]:
    """Return ``(key, field)`` of top-level fields msgspec checks only as their base type."""
    recheck = []
    for name, field in schema.load_fields.items():
        scalar = _base_scalar(field)
        if scalar is not None and type(field) is not scalar:
            recheck.append((field.data_key or name, field))
    return recheck


def _same(value: Any) -> Any:
    """Return ``value``: what a string or raw field loads from a value msgspec accepted."""
    return value


def _field_converter(field: fields.Field[Any]) -> _Convert:
    """Return how ``field`` loads a non-null value msgspec accepted for it.

    Raises :class:`_Untranslatable` for a field whose loaded form this does not know.
    """
    kind = type(field)
    if kind is fields.String or kind is fields.Raw:
        return _same
    if _base_scalar(field) is not None:
        return field.deserialize
    if kind is fields.List:
        inner = _nullable(_field_converter(field.inner))  # type: ignore[attr-defined]
        return lambda values: [inner(v) for v in values]
    if kind is fields.Dict:
        keys = field.key_field  # type: ignore[attr-defined]
        values = field.value_field  # type: ignore[attr-defined]
        key = _same if keys is None else _nullable(_field_converter(keys))
        value = _same if values is None else _nullable(_field_converter(values))
        return lambda mapping: {key(k): value(v) for k, v in mapping.items()}
    if kind is fields.Nested:
        unknown = getattr(field, "unknown", None)
        if unknown is not None and unknown != field.schema.unknown:  # type: ignore[attr-defined]
            raise _Untranslatable("a nested field overriding its schema's unknown-field rule")
        nested = _SchemaLoader(field.schema)  # type: ignore[attr-defined]
        if getattr(field, "many", False):
            return lambda values: [nested.load(v) for v in values]
        return nested.load
    raise _Untranslatable(f"field type {kind.__name__}")


def _nullable(convert: _Convert) -> _Convert:
    """Return ``convert`` letting ``None`` through (msgspec let it through only if allowed)."""
    if convert is _same:
        return _same
    return lambda value: None if value is None else convert(value)


class _SchemaLoader:
    """Loads data msgspec accepted for a schema as ``schema.load`` would, without its checks.

    Raises :class:`_Untranslatable` when the schema keeps unknown fields or has a field
    whose loaded form it does not know.
    """

    def __init__(self, schema: marshmallow.Schema) -> None:
        if schema.unknown == marshmallow.INCLUDE:
            raise _Untranslatable(f"{type(schema).__name__} includes unknown fields")
        for name, field in schema.load_fields.items():
            if field.attribute not in {None, name}:
                raise _Untranslatable(f"field {name!r} loads into another attribute")
        self.schema = schema
        self.fields = [
            (name, field.data_key or name, field.load_default, _field_converter(field))
            for name, field in schema.load_fields.items()
        ]
        hooks = schema._hooks[marshmallow.decorators.POST_LOAD]  # noqa: SLF001
        if any(pass_collection for _, pass_collection, _ in hooks):
            raise _Untranslatable("a post-load hook taking the whole collection")
        if hooks and not _can_run_post_load(schema):
            raise _Untranslatable("this marshmallow runs post-load hooks differently")
        self.post_load = bool(hooks)

    def load(self, data: dict[str, Any]) -> Any:
        """Return the loaded form of ``data``, post-load hooks applied."""
        result: dict[str, Any] = {}
        for name, key, default, convert in self.fields:
            if key in data:
                value = data[key]
                result[name] = None if value is None else convert(value)
            elif default is not marshmallow.missing:
                result[name] = default() if callable(default) else default
        if not self.post_load:
            return result
        # marshmallow exposes no public way to run only the post-load hooks.
        return self.schema._invoke_load_processors(  # noqa: SLF001
            marshmallow.decorators.POST_LOAD,
            result,
            many=False,
            original_data=data,
            partial=self.schema.partial,
            unknown=self.schema.unknown,
        )


#: The keyword arguments the fast path gives marshmallow's (private) post-load runner.
_POST_LOAD_ARGUMENTS = {"many", "original_data", "partial", "unknown"}


def _can_run_post_load(schema: marshmallow.Schema) -> bool:
    """Return True when ``schema`` runs post-load hooks the way the fast path calls it.

    The runner is private to marshmallow: a release that renames it or changes its
    arguments sends the schema's records through ``schema.load`` instead of failing.
    """
    runner = getattr(schema, "_invoke_load_processors", None)
    if not callable(runner):
        return False
    try:
        parameters = inspect.signature(runner).parameters
    except (TypeError, ValueError):
        return False
    return parameters.keys() >= _POST_LOAD_ARGUMENTS


def schema_loader(schema: marshmallow.Schema) -> Callable[[dict[str, Any]], Any] | None:
    """Return a function loading data msgspec accepted for ``schema``, or ``None`` if unsure.

    The function returns what ``schema.load`` returns for the same data; it checks nothing
    beyond what the marshmallow fields it calls check (pair it with :func:`translate_schema`).
    """
    try:
        return _SchemaLoader(schema).load
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
        self.recheck = fields_to_recheck(schema)
        self.fast_load = schema_loader(schema) if self.fast_type is not None else None

    def validate(self, data: Any) -> None:
        """Raise :class:`RecordError` naming each bad field unless ``data`` is valid."""
        if not isinstance(data, dict):
            found = "null" if data is None else type(data).__name__
            raise RecordError(f"record must be a JSON object, got {found}")
        if self.fast_type is not None:
            try:
                msgspec.convert(data, self.fast_type, strict=True)
                for key, field in self.recheck:
                    value = data.get(key)
                    if value is not None:
                        field.deserialize(value, key, data)
            except (msgspec.ValidationError, marshmallow.ValidationError):
                pass
            else:
                return
        self.load(data)

    def load(self, data: Any) -> Any:
        """Return ``data`` loaded by the marshmallow schema, or raise :class:`RecordError`.

        A record msgspec accepts is loaded by the fast path, to the same result.
        """
        if not isinstance(data, dict):
            found = "null" if data is None else type(data).__name__
            raise RecordError(f"record must be a JSON object, got {found}")
        if self.fast_load is not None:
            try:
                msgspec.convert(data, self.fast_type, strict=True)
                return self.fast_load(data)
            except (msgspec.ValidationError, marshmallow.ValidationError):
                pass
        return self.schema_load(data)

    def schema_load(self, data: dict[str, Any]) -> Any:
        """Return ``data`` loaded by marshmallow itself, or raise :class:`RecordError`."""
        try:
            return self.schema.load(data)
        except marshmallow.ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
            raise RecordError(format_messages(messages), messages) from exc

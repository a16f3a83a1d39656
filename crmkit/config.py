"""``crmkit.toml``: the database and the configured sources, with secrets kept out of sight.

::

    [database]
    url = "env:CRMKIT_DATABASE_URL"

    [sync]
    resolve = true              # identity resolution after each sync

    [sources.shop]
    adapter = "jsonl"           # a registered adapter; every other key but the engine's
    path = "exports/shop.jsonl" # is the adapter's, checked by its marshmallow schema
    default_region = "RU"       # engine settings: phone region, local time zone,
    timezone = "Europe/Moscow"  # survivorship priority, retries, streams, batch size
    priority = 10

A value ``"env:NAME"`` is read from the environment variable ``NAME``. Values read that way,
and values of keys that look secret (password, token, secret, api_key, ...), are masked
wherever a setting is shown and removed from every error message. A relative ``path`` (or
``*_path``) setting is taken relative to the folder of the configuration file.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import marshmallow
from marshmallow import fields, validate

from crmkit.errors import ConfigError, UnknownAdapterError, format_messages
from crmkit.sdk.http import MASK, Redactor, looks_secret
from crmkit.sdk.retry import RetryPolicy

if TYPE_CHECKING:
    from crmkit.sdk.adapter import Adapter

DEFAULT_CONFIG = "crmkit.toml"
#: ``--config demo`` names the bundled demo sources (unless a file called ``demo`` exists).
DEMO_CONFIG = "demo"
CONFIG_VARIABLE = "CRMKIT_CONFIG"
ENV_PREFIX = "env:"
ENGINE_KEYS = frozenset(
    {
        "adapter",
        "default_region",
        "timezone",
        "priority",
        "max_retries",
        "backoff_seconds",
        "max_backoff_seconds",
        "streams",
        "batch_size",
        "enabled",
    }
)
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_SECTIONS = ("database", "sync", "sources")


def _check_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


class _ZoneField(fields.String):
    """A time zone name that :mod:`zoneinfo` knows."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _check_zone(text):
            raise marshmallow.ValidationError("not a time zone name (e.g. Europe/Moscow)")
        return text


class _EngineSchema(marshmallow.Schema):
    """The settings of a source that the sync engine, not the adapter, reads."""

    adapter = fields.String(required=True, validate=validate.Length(min=1))
    default_region = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z]{2}$", error="must be a two-letter ISO code (RU)"),
    )
    timezone = _ZoneField(load_default=None)
    priority = fields.Integer(load_default=None, strict=True)
    max_retries = fields.Integer(load_default=5, strict=True, validate=validate.Range(min=0))
    backoff_seconds = fields.Float(load_default=1.0, validate=validate.Range(min=0))
    max_backoff_seconds = fields.Float(load_default=60.0, validate=validate.Range(min=0))
    streams = fields.List(fields.String(), load_default=None, validate=validate.Length(min=1))
    batch_size = fields.Integer(load_default=5000, strict=True, validate=validate.Range(min=1))
    enabled = fields.Boolean(load_default=True)


@attrs.frozen
class SourceConfig:
    """One configured source: its adapter, the adapter's settings and the engine's settings.

    ``settings`` hold the real values (secrets included) for the adapter only; show
    :meth:`shown_settings` and pass any text through :meth:`redact` before it is printed.
    """

    name: str
    adapter: str
    settings: Mapping[str, Any]
    secret_keys: frozenset[str] = frozenset()
    default_region: str | None = None
    timezone: str | None = None
    priority: int | None = None
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    streams: tuple[str, ...] | None = None
    batch_size: int = 5000
    enabled: bool = True
    redact: Redactor = attrs.field(factory=Redactor, eq=False)

    def shown_settings(self) -> dict[str, Any]:
        """Return the adapter's settings with every secret value replaced by ``***``."""
        return {k: MASK if k in self.secret_keys else v for k, v in self.settings.items()}

    def build(self, adapters: Mapping[str, type[Adapter]]) -> Adapter:
        """Return the configured adapter; raise :class:`ConfigError` naming source and key.

        The error never contains a secret value.
        """
        if self.adapter not in adapters:
            known = UnknownAdapterError(self.adapter, list(adapters))
            raise ConfigError(f"source {self.name!r}: {known}")
        try:
            adapter = adapters[self.adapter](source=self.name, config=dict(self.settings))
        except ConfigError as exc:
            raise ConfigError(self.redact(str(exc))) from None
        if self.timezone:
            adapter.timezone = zoneinfo.ZoneInfo(self.timezone)
        return adapter


@attrs.frozen
class Config:
    """Everything ``crmkit.toml`` says: the database URL, sync settings and the sources."""

    path: Path | None = None
    database_url: str | None = None
    resolve: bool = True
    sources: Mapping[str, SourceConfig] = attrs.field(factory=dict)

    def source(self, name: str) -> SourceConfig:
        """Return source ``name``; raise :class:`ConfigError` listing the configured ones."""
        if name not in self.sources:
            where = self.path or DEFAULT_CONFIG
            known = ", ".join(sorted(self.sources)) or "none"
            raise ConfigError(f"no source named {name!r} in {where} (configured: {known})")
        return self.sources[name]


def config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the configuration file to read: ``path``, ``$CRMKIT_CONFIG`` or ./crmkit.toml.

    ``demo`` is the configuration of the bundled demo sources, unless a file of that name
    exists in the current directory.
    """
    chosen = Path(path or os.environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG)
    if str(chosen) == DEMO_CONFIG and not chosen.exists():
        return Path(str(resources.files("crmkit.demo") / DEFAULT_CONFIG))
    return chosen


def load_config(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Config:
    """Read and check a configuration file; return the :class:`Config`.

    With no ``path`` (and no ``CRMKIT_CONFIG``), a missing ./crmkit.toml gives an empty
    configuration; a file named explicitly must exist. Raises :class:`ConfigError` naming
    the file, the source, the key and the problem; secrets never appear in the message.
    """
    explicit = path is not None or CONFIG_VARIABLE in os.environ
    file = config_path(path)
    if not file.is_file():
        if explicit:
            raise ConfigError(f"configuration file {file} not found")
        return Config()
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {file}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from exc
    return parse_config(document, file, os.environ if environ is None else environ)


def parse_config(document: Mapping[str, Any], file: Path, environ: Mapping[str, str]) -> Config:
    """Return the :class:`Config` of a parsed TOML ``document`` read from ``file``."""
    unknown = sorted(set(document) - set(_SECTIONS))
    if unknown:
        raise ConfigError(
            f"{file}: unknown section [{unknown[0]}] (expected {', '.join(_SECTIONS)})"
        )
    database = _table(document, "database", file)
    sync = _table(document, "sync", file)
    url = database.get("url")
    if url is not None:
        url = _resolve(url, environ, f"{file}: [database] url")
        if not isinstance(url, str):
            raise ConfigError(f"{file}: [database] url must be a string")
    resolve = sync.get("resolve", True)
    if not isinstance(resolve, bool):
        raise ConfigError(f"{file}: [sync] resolve must be true or false")
    sources = {
        name: _source(name, table, file, environ)
        for name, table in _table(document, "sources", file).items()
    }
    return Config(path=file, database_url=url, resolve=resolve, sources=sources)


def _table(document: Mapping[str, Any], key: str, file: Path) -> dict[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{file}: {key} must be a table ([{key}])")
    return value


def _source(name: str, table: Any, file: Path, environ: Mapping[str, str]) -> SourceConfig:
    where = f"{file}: source {name!r}"
    if not _SOURCE_NAME.match(name):
        raise ConfigError(f"{where}: a source name is letters, digits, '.', '_' or '-'")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table ([sources.{name}])")
    redact = Redactor()
    secret_keys: set[str] = set()
    resolved: dict[str, Any] = {}
    for key, value in table.items():
        from_env = _mentions_env(value)
        resolved[key] = _resolve(value, environ, f"{where}, key {key!r}")
        if from_env or looks_secret(key):
            secret_keys.add(key)
            for secret in _strings(resolved[key]):
                redact.add(secret)
    engine = {k: v for k, v in resolved.items() if k in ENGINE_KEYS}
    try:
        loaded = _EngineSchema().load(engine)
    except marshmallow.ValidationError as exc:
        raise ConfigError(redact(f"{where}: {format_messages(exc.messages)}")) from None
    settings = {k: _relative_to(file, k, v) for k, v in resolved.items() if k not in ENGINE_KEYS}
    streams = loaded["streams"]
    region = loaded["default_region"]
    return SourceConfig(
        name=name,
        adapter=loaded["adapter"],
        settings=settings,
        secret_keys=frozenset(secret_keys - ENGINE_KEYS),
        default_region=region.upper() if region else None,
        timezone=loaded["timezone"],
        priority=loaded["priority"],
        retry=RetryPolicy(
            max_retries=loaded["max_retries"],
            backoff_seconds=loaded["backoff_seconds"],
            max_backoff_seconds=loaded["max_backoff_seconds"],
        ),
        streams=tuple(streams) if streams else None,
        batch_size=loaded["batch_size"],
        enabled=loaded["enabled"],
        redact=redact,
    )


def _mentions_env(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith(ENV_PREFIX)
    if isinstance(value, list):
        return any(_mentions_env(v) for v in value)
    if isinstance(value, dict):
        return any(_mentions_env(v) for v in value.values())
    return False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _resolve(value: Any, environ: Mapping[str, str], where: str) -> Any:
    """Return ``value`` with every ``env:NAME`` string replaced by that variable's value."""
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        variable = value.removeprefix(ENV_PREFIX).strip()
        if not variable:
            raise ConfigError(f"{where}: 'env:' must be followed by a variable name")
        if variable not in environ:
            raise ConfigError(f"{where}: environment variable {variable} is not set")
        return environ[variable]
    if isinstance(value, list):
        return [_resolve(v, environ, where) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, environ, f"{where}.{k}") for k, v in value.items()}
    return value


def _relative_to(file: Path, key: str, value: Any) -> Any:
    """Return a relative ``path``/``*_path`` setting as a path from the configuration's folder."""
    if key != "path" and not key.endswith("_path"):
        return value
    if not isinstance(value, str) or not value or "://" in value:
        return value
    path = Path(value).expanduser()
    return value if path.is_absolute() else str(file.resolve().parent / path)

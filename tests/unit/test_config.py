"""crmkit.toml: sources, engine settings, env: values, and secrets that never show."""

from __future__ import annotations

import pytest

from crmkit.builtins.file_adapters import CsvAdapter, JsonLinesAdapter
from crmkit.config import load_config
from crmkit.errors import ConfigError

ADAPTERS = {"jsonl": JsonLinesAdapter, "csv": CsvAdapter}


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    """Return ``write(text)``: the path of a crmkit.toml holding ``text``."""
    monkeypatch.delenv("CRMKIT_CONFIG", raising=False)

    def write(text):
        path = tmp_path / "conf" / "crmkit.toml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_a_source_has_adapter_settings_and_engine_settings(config_file):
    """Engine keys are the engine's; the rest go to the adapter; defaults fill the gaps."""
    path = config_file(
        '[database]\nurl = "sqlite:///x.db"\n[sync]\nresolve = false\n'
        '[sources.shop]\nadapter = "csv"\npath = "data/shop.csv"\ndelimiter = ";"\n'
        'default_region = "ru"\ntimezone = "Europe/Moscow"\npriority = 5\n'
        'max_retries = 2\nbackoff_seconds = 0.5\nstreams = ["customers"]\nbatch_size = 100\n'
    )
    config = load_config(path, environ={})
    assert (config.database_url, config.resolve) == ("sqlite:///x.db", False)
    shop = config.source("shop")
    assert shop.adapter == "csv"
    assert shop.settings == {"path": str(path.parent / "data" / "shop.csv"), "delimiter": ";"}
    assert (shop.default_region, shop.timezone, shop.priority) == ("RU", "Europe/Moscow", 5)
    assert (shop.retry.max_retries, shop.retry.backoff_seconds) == (2, 0.5)
    assert (shop.streams, shop.batch_size, shop.enabled) == (("customers",), 100, True)
    adapter = shop.build(ADAPTERS)
    assert adapter.config["delimiter"] == ";"
    assert str(adapter.timezone) == "Europe/Moscow"


def test_env_values_come_from_the_environment_and_are_masked(config_file):
    """env:NAME reads the variable; it and secret-looking keys are shown as ***."""
    path = config_file(
        '[database]\nurl = "env:DB_URL"\n'
        '[sources.erp]\nadapter = "jsonl"\npath = "env:ERP_PATH"\n'
        'password = "plain-secret"\nencoding = "utf-8"\n'
    )
    env = {"DB_URL": "postgresql://u:pw@db/crm", "ERP_PATH": "/srv/erp.jsonl"}
    config = load_config(path, environ=env)
    erp = config.source("erp")
    assert config.database_url == "postgresql://u:pw@db/crm"
    assert erp.settings["path"] == "/srv/erp.jsonl"
    assert erp.shown_settings() == {"path": "***", "password": "***", "encoding": "utf-8"}
    assert erp.redact("read /srv/erp.jsonl with plain-secret") == "read *** with ***"


def test_a_missing_variable_names_the_source_the_key_and_the_variable(config_file):
    """The error says exactly which variable is missing, for which setting."""
    path = config_file('[sources.erp]\nadapter = "jsonl"\npath = "env:ERP_PATH"\n')
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert str(error.value) == (
        f"{path}: source 'erp', key 'path': environment variable ERP_PATH is not set"
    )


def test_schema_errors_name_the_source_and_the_key_but_never_the_secret(config_file):
    """The adapter's schema finds the bad key; a secret value in the message is masked."""
    path = config_file(
        '[sources.erp]\nadapter = "csv"\npath = "x.csv"\ndelimiter = "env:DELIM"\n'
        "max_record_bytes = 0\n"
    )
    erp = load_config(path, environ={"DELIM": "s3cret;;"}).source("erp")
    with pytest.raises(ConfigError) as error:
        erp.build(ADAPTERS)
    message = str(error.value)
    assert message.startswith("source 'erp' (adapter 'csv'): ")
    assert "delimiter: Length must be 1." in message
    assert "max_record_bytes: Must be greater than or equal to 1." in message
    assert "s3cret" not in message


def test_an_unknown_adapter_names_the_source_and_the_installed_ones(config_file):
    """No adapter of that name: the error lists what is installed."""
    erp = load_config(config_file('[sources.erp]\nadapter = "sap"\n'), environ={}).source("erp")
    with pytest.raises(ConfigError, match=r"source 'erp': no adapter named 'sap' \(installed: "):
        erp.build(ADAPTERS)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('priority = "high"', "priority: Not a valid integer."),
        ('timezone = "Mars/Olympus"', "timezone: not a time zone name (e.g. Europe/Moscow)"),
        ('default_region = "Russia"', "default_region: must be a two-letter ISO code (RU)"),
        ("max_retries = -1", "max_retries: Must be greater than or equal to 0."),
        ("batch_size = 0", "batch_size: Must be greater than or equal to 1."),
    ],
)
def test_bad_engine_settings_name_the_source_and_the_key(config_file, line, problem):
    """Engine settings are checked when the file is read."""
    path = config_file(f'[sources.shop]\nadapter = "jsonl"\npath = "x"\n{line}\n')
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert str(error.value) == f"{path}: source 'shop': {problem}"


def test_a_source_without_an_adapter_is_refused(config_file):
    """The adapter setting is required."""
    path = config_file('[sources.shop]\npath = "x"\n')
    with pytest.raises(ConfigError, match=r"source 'shop': adapter: Missing data"):
        load_config(path, environ={})


def test_file_level_problems_name_the_file(config_file, tmp_path):
    """Bad TOML, an unknown section, a missing explicit file."""
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(config_file("[sources.shop\n"), environ={})
    with pytest.raises(ConfigError, match=r"unknown section \[source\]"):
        load_config(config_file('[source.shop]\nadapter = "jsonl"\n'), environ={})
    with pytest.raises(ConfigError, match=r"configuration file .* not found"):
        load_config(tmp_path / "nope.toml", environ={})


def test_no_file_in_the_current_directory_is_an_empty_configuration(tmp_path, monkeypatch):
    """Without --config and without ./crmkit.toml there are simply no sources."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRMKIT_CONFIG", raising=False)
    config = load_config()
    assert (config.path, dict(config.sources)) == (None, {})
    with pytest.raises(ConfigError, match=r"no source named 'shop' in crmkit.toml \(configured"):
        config.source("shop")


def test_crmkit_config_names_the_file(config_file, monkeypatch):
    """CRMKIT_CONFIG is used when no path is given."""
    path = config_file('[sources.a]\nadapter = "jsonl"\npath = "/a.jsonl"\n')
    monkeypatch.setenv("CRMKIT_CONFIG", str(path))
    assert list(load_config().sources) == ["a"]

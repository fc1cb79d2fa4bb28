from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tracker.settings import ConfigError, Settings, load_settings, resolve_config_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        ann: Any = field.annotation
        inner = (
            getattr(ann, "__args__", (None,))[0]
            if getattr(ann, "__origin__", None) is list
            else None
        )
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys |= _keys(ann, f"{prefix}{name}.")
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            keys |= _keys(inner, f"{prefix}{name}[].")
        else:
            keys.add(prefix + name)
    return keys


def _example_keys(data: Any, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, value in data.items():
        if isinstance(value, dict):
            keys |= _example_keys(value, f"{prefix}{name}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for entry in value:
                keys |= _example_keys(entry, f"{prefix}{name}[].")
        else:
            keys.add(prefix + name)
    return keys


def test_example_documents_every_setting() -> None:
    example = tomllib.loads(EXAMPLE.read_text())
    missing = _keys(Settings) - _example_keys(example)
    assert not missing, f"settings missing from config.example.toml: {sorted(missing)}"
    extra = _example_keys(example) - _keys(Settings)
    assert not extra, f"config.example.toml has keys the settings do not know: {sorted(extra)}"


def test_example_is_valid_and_matches_defaults() -> None:
    settings = load_settings(EXAMPLE)
    defaults = Settings()
    assert settings.polling == defaults.polling
    assert settings.database == defaults.database
    assert settings.web == defaults.web
    # Destinations are examples (as in [[telegram.destinations]]), not defaults.
    no_examples = {"destinations"}
    assert settings.alerts.model_dump(exclude=no_examples) == defaults.alerts.model_dump(
        exclude=no_examples
    )


def test_contract_keys_and_defaults() -> None:
    s = Settings()
    assert s.database.url == "sqlite:///tracker.db"
    assert s.polling.interval_seconds == 300
    assert s.web.host == "127.0.0.1" and s.web.port == 8080
    assert s.alerts.backlog_hours == 48
    assert len(s.feeds) >= 3 and all(f.url.startswith("https://") for f in s.feeds)
    for key in (
        "tick_seconds",
        "max_concurrency",
        "max_per_host",
        "timeout_seconds",
        "max_body_bytes",
    ):
        assert hasattr(s.polling, key)


def test_precedence_defaults_file_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[polling]\ninterval_seconds = 600\ntick_seconds = 5\n[[feeds]]\nurl = "https://a.example/feed"\n'
    )
    monkeypatch.setenv("TRACKER_POLLING__INTERVAL_SECONDS", "900")
    s = load_settings(cfg)
    assert s.polling.interval_seconds == 900  # environment wins
    assert s.polling.tick_seconds == 5  # file wins over default
    assert s.polling.max_per_host == 2  # default
    assert [f.url for f in s.feeds] == ["https://a.example/feed"]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            "[polling]\ninterval_seconds = -5\n",
            "polling.interval_seconds: Input should be greater than or equal to 30",
        ),
        (
            "[polling]\nintervall_seconds = 60\n",
            "polling.intervall_seconds: Extra inputs are not permitted",
        ),
        ('[database]\nurl = "mysql://x"\n', "database.url: must start with sqlite://"),
        ('[web]\nport = "eighty"\n', "web.port: Input should be a valid integer"),
        (
            '[[feeds]]\nurl = "ftp://x"\n',
            "feeds.0.url: must be an http:// or https:// URL",
        ),
        ('[logging]\nlevel = "LOUD"\n', "logging.level: Input should be"),
        ("[polling\n", "invalid TOML"),
        (
            "[polling]\nparser_max_tasks_per_child = -1\n",
            "polling.parser_max_tasks_per_child: Input should be greater than or equal to 0",
        ),
        (
            "[classifier]\nbacklog_batch = 0\n",
            "classifier.backlog_batch: Input should be greater than or equal to 1",
        ),
        (
            "[classifier]\nbacklog_batch_seconds = -1\n",
            "classifier.backlog_batch_seconds: Input should be greater than or equal to 0",
        ),
        (
            '[classifier]\nbacklog_batch_seconds = "soon"\n',
            "classifier.backlog_batch_seconds: Input should be a valid number",
        ),
        (
            "[polling]\nclaim_batch = 0\n",
            "polling.claim_batch: Input should be greater than or equal to 1",
        ),
        (
            "[polling]\nclaim_batch = 1000000\n",
            "polling.claim_batch: Input should be less than or equal to 100000",
        ),
        (
            "[classifier]\ncache_items = -1\n",
            "classifier.cache_items: Input should be greater than or equal to 0",
        ),
        (
            '[classifier]\ncache_items = "lots"\n',
            "classifier.cache_items: Input should be a valid integer",
        ),
    ],
)
def test_wrong_values_name_the_key(tmp_path: Path, toml: str, expected: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert expected in str(err.value)
    assert str(err.value).count("\n") == 0
    assert "Value error" not in str(err.value)


def test_missing_file_and_config_path_resolution(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml")
    assert resolve_config_path(None, {"TRACKER_CONFIG": "/x.toml"}) == Path("/x.toml")
    assert resolve_config_path(Path("/y.toml"), {"TRACKER_CONFIG": "/x.toml"}) == Path("/y.toml")
    assert resolve_config_path(None, {}) is None


def test_environment_error_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_WEB__PORT", "99999")
    with pytest.raises(
        ConfigError, match=r"web\.port: Input should be less than or equal to 65535"
    ):
        load_settings(None)

"""`language` of a destination: checked when the configuration loads (an unknown one is an
error naming its key), wired by the App to each channel's sender, English by default; and
the built-in Arabic feeds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tracker.app import App
from tracker.core.channels import CONSOLE_CHAT_ID
from tracker.settings import DEFAULT_FEEDS, ConfigError, load_settings


def _load(tmp_path: Path, body: str) -> object:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return load_settings(path)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (
            '[[alerts.destinations]]\nname = "a"\nchannel = "console"\nlanguage = "fr"\n',
            "alerts.destinations.0.language",
        ),
        (
            '[[telegram.destinations]]\nchat_id = 5\nlanguage = "AR"\n',
            "telegram.destinations.0.language",
        ),
    ],
)
def test_an_unknown_language_names_its_key_and_the_known_ones(
    tmp_path: Path, body: str, key: str
) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, body)
    message = str(err.value)
    assert f"{key}: unknown language" in message
    assert "labels exist for ar, en" in message


def test_languages_reach_the_senders_and_default_to_english(tmp_path: Path) -> None:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'l.db'}",
        alerts={
            "destinations": [
                {"name": "tg-ar", "channel": "telegram", "address": "-100", "language": "ar"},
                {"name": "tg-en", "channel": "telegram", "address": "-200"},
                {
                    "name": "hook",
                    "channel": "webhook",
                    "address": "https://hooks.example/x",
                    "secret": "s" * 20,
                    "language": "ar",
                },
            ]
        },
        telegram={"destinations": [{"chat_id": 300, "language": "ar"}]},
    )
    app = App(settings)
    try:
        languages = app._delivery_config().chat_languages
        assert languages == {-100: "ar", -200: "en", 300: "ar"}
        [hook] = app._build_channel_senders()
        assert hook._languages == {"https://hooks.example/x": "ar"}  # type: ignore[attr-defined]
        asyncio.run(hook.close())
    finally:
        app.engine.dispose()


def test_a_console_destination_may_choose_arabic(tmp_path: Path) -> None:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'c.db'}",
        alerts={"destinations": [{"name": "term", "channel": "console", "language": "ar"}]},
    )
    app = App(settings)
    try:
        assert app._delivery_config().chat_languages == {CONSOLE_CHAT_ID: "ar"}
    finally:
        app.engine.dispose()


def test_built_in_arabic_feeds_are_marked_arabic() -> None:
    arabic = {f.url: f for f in DEFAULT_FEEDS if f.language == "ar"}
    hosts = " ".join(arabic)
    for site in ("syriahr.com", "enabbaladi.net", "syria.tv", "sana.sy", "npasyria.com"):
        assert site in hosts, site
    # one feed per address, and each Arabic one documented with its evidence
    assert len({f.url for f in DEFAULT_FEEDS}) == len(DEFAULT_FEEDS)
    sources = (Path(__file__).parents[1] / "tracker/data/SOURCES.md").read_text("utf-8")
    for url in arabic:
        assert f"`{url}`" in sources, url

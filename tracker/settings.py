"""Settings: built-in defaults < the TOML file < environment variables.

Everything the service can be told lives here, so that `config.example.toml` can be checked
against it and a wrong value is reported once, naming the key, before anything starts.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from tracker.core.sanitize import mask_secrets

CONFIG_ENV_VAR = "TRACKER_CONFIG"


log = logging.getLogger(__name__)

class ConfigError(Exception):
    """A configuration problem, already phrased for a person (one line per problem)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    url: str = "sqlite:///tracker.db"
    echo: bool = False
    # PostgreSQL: false lets the ingest writes (items, feeds' fetch state, classifications
    # with their events and alert outbox rows) commit without waiting for the disk
    # (synchronous_commit = off for those transactions only). A crash of the database
    # server may lose the last ~0.6 s of them, never half of one: the feeds are fetched and
    # the items classified again. Other writes (analysts' reviews, alert delivery) always
    # wait. SQLite: no effect.
    ingest_synchronous_commit: bool = False

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:  # caught here, so that no later traceback quotes the URL with its password
            make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("not a valid database URL") from None
        return value


class PollingSettings(_Section):
    interval_seconds: int = Field(300, ge=30, le=7 * 86400)
    tick_seconds: int = Field(15, ge=1, le=3600)
    max_concurrency: int = Field(20, ge=1, le=1000)
    max_per_host: int = Field(2, ge=1, le=100)
    # Due feeds claimed from the database at a time within one pass.
    claim_batch: int = Field(200, ge=1, le=100_000)
    timeout_seconds: float = Field(20.0, gt=0, le=600)
    max_body_bytes: int = Field(5_000_000, ge=1024, le=500_000_000)
    parse_timeout_seconds: float = Field(20.0, gt=0, le=600)
    # A parser worker is replaced after this many tasks (0: never).
    parser_max_tasks_per_child: int = Field(500, ge=0, le=1_000_000)
    max_entries_per_feed: int = Field(500, ge=1, le=100_000)
    max_backoff_seconds: int = Field(6 * 3600, ge=60, le=7 * 86400)
    degraded_after_errors: int = Field(5, ge=1, le=1000)
    user_agent: str = "tracker/{version} (ceasefire-violation tracker; +https://github.com/)"
    fetch_articles: bool = True
    article_min_summary_chars: int = Field(300, ge=0, le=100_000)
    max_article_fetches_per_feed: int = Field(5, ge=0, le=1000)
    # Security (hardening): internal addresses are refused unless listed here (CIDR).
    allowed_networks: list[str] = Field(default_factory=list)
    article_any_host: bool = False
    article_concurrency: int = Field(4, ge=1, le=100)
    article_deadline_seconds: float = Field(60.0, gt=0, le=3600)

    @field_validator("allowed_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        from tracker.core.netpolicy import parse_networks

        for entry in value:
            try:
                parse_networks([entry])
            except ValueError as exc:
                raise ValueError(f"not a network in CIDR form: {entry!r} ({exc})") from exc
        return value


class FeedSettings(_Section):
    url: str
    name: str | None = None
    interval_seconds: int | None = Field(None, ge=30, le=7 * 86400)
    language: str | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


class WebSettings(_Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # Digests rendered at once by GET /digests/... (each in a worker thread).
    digest_concurrency: int = Field(2, ge=1, le=64)
    # Bearer tokens for /api/v1; required when `host` is not a loopback address.
    api_tokens: list[str] = Field(default_factory=list)
    # Where users reach the service (https://tracker.example.org): alerts, digests and
    # exports link to events there. Empty: alerts and digests carry no such links.
    public_url: str = ""

    @field_validator("api_tokens")
    @classmethod
    def _long_tokens(cls, value: list[str]) -> list[str]:
        if any(len(t) < 16 or t != t.strip() for t in value):
            raise ValueError("each token needs at least 16 characters and no spaces around it")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _token_off_loopback(self) -> WebSettings:
        """Anyone who can reach a non-loopback address could read the API: not without a
        token."""
        if self.enabled and not self.api_tokens and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not a loopback address: set web.api_tokens "
                "(e.g. TRACKER_WEB__API_TOKENS='[\"<random 32 characters>\"]')"
            )
        return self


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; anything else (0.0.0.0 included) is reachable."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class AlertSettings(_Section):
    backlog_hours: float = Field(48, ge=0)
    # Destinations on channels other than Telegram chats (tracker.core.channels).
    destinations: list[ChannelDestinationSettings] = Field(default_factory=list)


class ClassifierSettings(_Section):
    enabled: bool = True
    # Stored items classified per catch-up round (items left unclassified by a crash).
    catch_up_batch: int = Field(500, ge=1, le=100_000)
    # Backlog items (published longer than alerts.backlog_hours before first seen) are
    # classified after fresh ones, this many per batch; fresh work goes first between batches.
    backlog_batch: int = Field(200, ge=1, le=100_000)
    # Seconds one backlog batch aims to take: batches shrink (never below an eighth of
    # backlog_batch) or grow (never above it) toward it, since a fresh report waits for the
    # batch under way. 0 keeps every batch at backlog_batch items.
    backlog_batch_seconds: float = Field(1.0, ge=0, le=3600)
    # Distinct item contents (title, text, publication time) whose incidents are kept, so a
    # syndicated copy of a story read recently is not read again (same result). 0 = none.
    cache_items: int = Field(10_000, ge=0, le=1_000_000)


class ReferenceSettings(_Section):
    """User additions to the shipped reference data; an empty string means none."""

    agreements_file: str = ""
    zones_file: str = ""
    places_file: str = ""

    @field_validator("agreements_file", "zones_file", "places_file")
    @classmethod
    def _exists(cls, value: str) -> str:
        if value and not Path(value).expanduser().is_file():
            raise ValueError(f"file not found: {value}")
        return value


Severity = Literal["low", "medium", "high", "critical"]


class FilterSettings(_Section):
    """The filters an incident must pass to reach a destination, on any channel.

    List filters match when empty or when the incident shares one entry with them; keywords
    are plain case-insensitive substrings of the incident's text and its sources' titles.
    """

    agreements: list[str] = Field(default_factory=list)
    zones: list[str] = Field(default_factory=list)
    min_severity: Severity = "low"
    violations_only: bool = True
    actors: list[str] = Field(default_factory=list)
    include_keywords: list[str] = Field(default_factory=list)
    exclude_keywords: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest", "both"] = "immediate"
    review: bool = False


def label_languages() -> tuple[str, ...]:
    """The languages with a label file (tracker/data/labels/<language>.toml)."""
    from importlib import resources

    folder = resources.files("tracker.data").joinpath("labels")
    return tuple(
        sorted(f.name.removesuffix(".toml") for f in folder.iterdir() if f.name.endswith(".toml"))
    )


class LanguageSettings(_Section):
    """`language`: the labels of a destination's messages ("en", the default, or "ar");
    the values (event types, places, actors) and quoted evidence are the same in all."""

    language: str = "en"

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        known = label_languages()
        if value not in known:
            raise ValueError(
                f"unknown language {value!r}: labels exist for {', '.join(known)} "
                "(tracker/data/labels/)"
            )
        return value


class DestinationSettings(FilterSettings, LanguageSettings):
    """One Telegram chat that receives alerts (`[[telegram.destinations]]`)."""

    chat_id: int
    name: str = ""


class ChannelDestinationSettings(FilterSettings, LanguageSettings):
    """`[[alerts.destinations]]`: one destination on any channel.

    channel = "telegram": `address` is the numeric chat id. "console": alerts printed (only
    without `telegram.token`; no address). "webhook": `address` is the URL that receives one
    signed JSON POST per alert (and per update of its event); `secret` signs them, or
    `secret_env` names the environment variable that holds it (so the secret stays out of
    the file). "email": `address` is one or more mailboxes. Webhooks and mailboxes get
    immediate alerts only (digests go to chats) and have no review buttons. `language`
    picks the labels of its messages (chats, console and mail; a webhook's JSON keys are a
    contract and stay as they are, its payload then names the language).
    """

    name: str = Field(min_length=1)
    channel: Literal["telegram", "console", "webhook", "email"]
    address: str = ""
    secret: str = ""
    secret_env: str = ""

    @model_validator(mode="after")
    def _channel_rules(self) -> ChannelDestinationSettings:
        if self.channel == "telegram":
            if not self.address.strip().lstrip("-").isdigit():
                raise ValueError("a telegram address is the numeric chat id, e.g. \"-100123\"")
            self.address = str(int(self.address))
            return self
        if self.channel == "console":
            return self
        if self.mode != "immediate" or self.review:
            raise ValueError(f"a {self.channel} destination takes immediate alerts only")
        if self.channel == "email":
            if "@" not in self.address or "\n" in self.address or "\r" in self.address:
                raise ValueError("an email address is one or more mailboxes (a@b, c@d)")
            return self
        if not self.address.startswith(("http://", "https://")):
            raise ValueError("a webhook address must be an http:// or https:// URL")
        if self.secret_env and not self.secret:
            self.secret = os.environ.get(self.secret_env, "")
            if not self.secret:
                raise ValueError(f"environment variable {self.secret_env} is not set")
        if not self.secret:
            raise ValueError("a webhook needs a secret (secret or secret_env)")
        return self


class EmailSettings(_Section):
    """The SMTP server for `channel = "email"` destinations. STARTTLS and login are
    optional; the password may come from TRACKER_EMAIL__PASSWORD."""

    host: str = ""
    port: int = Field(587, ge=1, le=65535)
    sender: str = ""
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout_seconds: float = Field(30.0, gt=0, le=300)


class TelegramSettings(_Section):
    """Alert delivery. Without a token alerts are printed by a console notifier instead."""

    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    allowed_chat_ids: list[int] = Field(default_factory=list)
    max_attempts: int = Field(8, ge=1, le=1000)
    timeout_seconds: float = Field(10.0, gt=0, le=300)
    retry_base_seconds: float = Field(2.0, gt=0, le=3600)
    retry_max_seconds: float = Field(600.0, gt=0, le=86400)
    per_chat_interval_seconds: float = Field(1.0, ge=0, le=3600)
    delivery_interval_seconds: float = Field(1.0, gt=0, le=3600)
    commands: bool = True
    long_poll_seconds: int = Field(25, ge=0, le=50)
    heartbeat_seconds: float = Field(5.0, gt=0, le=600)
    instance_expiry_seconds: float = Field(10.0, gt=0, le=3600)
    shutdown_grace_seconds: float = Field(2.0, ge=0, le=60)
    destinations: list[DestinationSettings] = Field(default_factory=list)

    @field_validator("instance_expiry_seconds")
    @classmethod
    def _expiry_above_heartbeat(cls, value: float, info: ValidationInfo) -> float:
        heartbeat = info.data.get("heartbeat_seconds")
        if heartbeat is not None and value <= heartbeat:
            raise ValueError("must be longer than heartbeat_seconds")
        return value

    @field_validator("api_base_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


class DigestSettings(_Section):
    """Digests cover local days (or Monday-to-Sunday weeks) in `timezone`; `tracker run`
    sends the previous period's digest at `time` (local), weekly ones on Mondays."""

    time: str = "08:00"
    timezone: str = "Asia/Damascus"
    period: Literal["day", "week"] = "day"
    top_incidents: int = Field(10, ge=1, le=100)
    late_report_days: int = Field(2, ge=0, le=365)

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise ValueError("must be HH:MM, e.g. 08:00")
        if int(hours) > 23 or int(minutes) > 59:
            raise ValueError("must be a time of day between 00:00 and 23:59")
        return f"{int(hours):02d}:{minutes}"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_format: bool = False
    # Level of the libraries' own loggers (uvicorn, APScheduler, httpx, telegram, ...).
    library_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


DEFAULT_FEEDS: tuple[FeedSettings, ...] = (
    FeedSettings(
        url="https://www.syriahr.com/en/feed/", name="Syrian Observatory for Human Rights",
        language="en",
    ),
    FeedSettings(url="https://npasyria.com/en/feed/", name="North Press Agency", language="en"),
    FeedSettings(url="https://english.enabbaladi.net/feed/", name="Enab Baladi", language="en"),
    FeedSettings(url="https://syrianobserver.com/feed", name="The Syrian Observer", language="en"),
    FeedSettings(url="https://www.sana.sy/en/?feed=rss2", name="SANA", language="en"),
    FeedSettings(
        url="https://news.google.com/rss/search?q=Idlib+OR+Hama+OR+Latakia+attack&hl=en-US&gl=US&ceid=US:en",
        name="Google News: Idlib front",
        language="en",
    ),
    # Today's fronts (issue 14): the south (Sweida, Quneitra, Daraa), the north-east (SDF) and
    # the Lebanese border; feed URLs as other public Syria monitors use them.
    FeedSettings(url="https://syriadirect.org/feed/", name="Syria Direct", language="en"),
    FeedSettings(url="https://shafaq.com/en/rss", name="Shafaq News", language="en"),
    FeedSettings(url="https://www.enabbaladi.net/feed", name="Enab Baladi (Arabic)",
                 language="ar"),
    # Arabic sites, where most first reports appear (issue 17). Each URL was found in public
    # feed lists and readers of Syrian news; the evidence for each, and the sites left out
    # (Zaman al-Wasl: no agreed feed address; Orient: closed in November 2023), is in
    # tracker/data/SOURCES.md.
    FeedSettings(url="https://www.syriahr.com/feed/", name="Syrian Observatory (Arabic)",
                 language="ar"),
    FeedSettings(url="https://www.syria.tv/rss", name="Syria TV", language="ar"),
    FeedSettings(url="https://sana.sy/?feed=rss2", name="SANA (Arabic)", language="ar"),
    FeedSettings(url="https://npasyria.com/feed/", name="North Press (Arabic)", language="ar"),
    FeedSettings(
        url="https://news.google.com/rss/search?q=Sweida+OR+Suwayda+OR+Quneitra+OR+SDF+OR+Hasakah"
        "+clashes&hl=en-US&gl=US&ceid=US:en",
        name="Google News: Sweida, Quneitra, north-east",
        language="en",
    ),
)


class Settings(BaseSettings):
    """The whole configuration. Section and key names are a public contract."""

    model_config = SettingsConfigDict(
        env_prefix="TRACKER_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    database: DatabaseSettings = DatabaseSettings()
    polling: PollingSettings = PollingSettings()
    feeds: list[FeedSettings] = Field(default_factory=lambda: list(DEFAULT_FEEDS))
    web: WebSettings = WebSettings()
    alerts: AlertSettings = AlertSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    reference: ReferenceSettings = ReferenceSettings()
    telegram: TelegramSettings = TelegramSettings()
    email: EmailSettings = EmailSettings()
    digest: DigestSettings = DigestSettings()
    logging: LoggingSettings = LoggingSettings()

    @model_validator(mode="after")
    def _channels_need_their_senders(self) -> Settings:
        channels = {d.channel for d in self.alerts.destinations}
        if "email" in channels and not (self.email.host and "@" in self.email.sender):
            raise ValueError("email destinations need email.host and email.sender")
        if "console" in channels and self.telegram.token:
            raise ValueError("a console destination prints alerts only without telegram.token")
        if self.telegram.destinations:
            log.warning(
                "[[telegram.destinations]] is deprecated: use [[alerts.destinations]] with "
                'channel = "telegram" and address = "<chat id>" (both still load)'
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init kwargs; the environment must win over it.
        return (env_settings, init_settings)


def error_message(err: Mapping[str, Any]) -> str:
    """pydantic's message for one error, without the "Value error, " it puts before the
    messages of our own validators (it names the exception class, not the problem)."""
    return str(err["msg"]).removeprefix("Value error, ")


def _format_errors(exc: ValidationError, origin: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
        # A bad URL must not echo its password.
        lines.append(mask_secrets(f"config error in {origin}: {key}: {error_message(err)}{shown}"))
    return "\n".join(lines)


def read_toml(path: Path) -> dict[str, Any]:
    """Read the TOML file, turning syntax errors into a one-line ConfigError."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config error: file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config error in {path}: invalid TOML: {exc}") from exc


def resolve_config_path(
    explicit: Path | None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """`--config` wins over TRACKER_CONFIG; neither means built-in defaults."""
    if explicit is not None:
        return explicit
    env = os.environ if environ is None else environ
    value = env.get(CONFIG_ENV_VAR)
    return Path(value) if value else None


def load_settings(path: Path | None = None) -> Settings:
    """Load and validate settings; raise ConfigError with one line per problem."""
    data = read_toml(path) if path is not None else {}
    origin = str(path) if path is not None else "environment/defaults"
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, origin)) from exc

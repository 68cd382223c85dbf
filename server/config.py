"""Settings, read once from `CALLSHEET_*` variables at start-up and injected everywhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import unquote, urlsplit

DEFAULT_SECRET = "callsheet-development-secret-change-me"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///callsheet.db"

# Every variable the server reads; docker-compose and the README are checked against this list.
ENVIRONMENT_VARIABLES = (
    "CALLSHEET_DATABASE_URL",
    "CALLSHEET_REDIS_URL",
    "CALLSHEET_SECRET",
    "CALLSHEET_MODE",
    "CALLSHEET_ALLOWED_ORIGINS",
    "CALLSHEET_MAX_DEPTH",
    "CALLSHEET_MAX_ALIASES",
    "CALLSHEET_MAX_TOKENS",
    "CALLSHEET_MAX_PAGE_SIZE",
    "CALLSHEET_MAX_BODY_BYTES",
    "CALLSHEET_MAX_SUBSCRIPTIONS",
    "CALLSHEET_WEBHOOK_RETRY_SECONDS",
    "CALLSHEET_WEBHOOK_TIMEOUT_SECONDS",
    "CALLSHEET_WEBHOOK_ALLOW_PRIVATE",
    "CALLSHEET_WEBHOOK_DISPATCHER",
    "CALLSHEET_LOG_FORMAT",
    "CALLSHEET_METRICS",
    "CALLSHEET_METRICS_TOKEN",
    "CALLSHEET_SMTP_URL",
    "CALLSHEET_SMTP_FROM",
    "PROMETHEUS_MULTIPROC_DIR",
)


class SettingsError(ValueError):
    """The configuration cannot be used; the message says which variable and why."""


def normalise_database_url(url: str) -> str:
    """Map plain `sqlite://` and `postgresql://` URLs onto the async drivers Callsheet uses."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return url
    raise SettingsError(f"CALLSHEET_DATABASE_URL: unsupported database URL scheme in {url.split(':')[0]!r}")


@dataclass(frozen=True)
class Limits:
    """Per-request guards."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_page_size: int = 200
    max_body_bytes: int = 256 * 1024
    max_subscriptions: int = 20


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    secret: str = DEFAULT_SECRET
    mode: Literal["development", "production"] = "development"
    allowed_origins: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    webhook_retry_seconds: float = 30.0
    webhook_timeout_seconds: float = 10.0
    webhook_allow_private: bool = False
    # Where webhooks are sent from: `process` (`callsheet serve` starts a `callsheet dispatch` process
    # beside the server; an app started any other way sends them itself), `inline` (the server's own
    # event loop), `off` (this instance sends none; a `callsheet dispatch` runs elsewhere).
    webhook_dispatcher: Literal["process", "inline", "off"] = "process"
    log_format: Literal["text", "json"] = "text"
    metrics: bool = True  # record metrics and answer /metrics
    metrics_token: str | None = None  # a bearer for scrapers, besides ADMIN tokens
    metrics_dir: str | None = None  # prometheus_client's multiprocess directory (several workers)
    smtp_url: str | None = None  # smtp://user:pass@host:port: notifications are e-mailed too
    smtp_from: str = "callsheet@localhost"  # the From address of notification e-mail

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from the environment (or a mapping), validating every value."""
        env = os.environ if environ is None else environ
        mode = env.get("CALLSHEET_MODE", "development")
        if mode not in ("development", "production"):
            raise SettingsError("CALLSHEET_MODE must be 'development' or 'production'")
        origins = tuple(o.strip() for o in env.get("CALLSHEET_ALLOWED_ORIGINS", "").split(",") if o.strip())
        limits = Limits(
            max_depth=_int(env, "CALLSHEET_MAX_DEPTH", Limits.max_depth),
            max_aliases=_int(env, "CALLSHEET_MAX_ALIASES", Limits.max_aliases),
            max_tokens=_int(env, "CALLSHEET_MAX_TOKENS", Limits.max_tokens),
            max_page_size=_int(env, "CALLSHEET_MAX_PAGE_SIZE", Limits.max_page_size),
            max_body_bytes=_int(env, "CALLSHEET_MAX_BODY_BYTES", Limits.max_body_bytes),
            max_subscriptions=_int(env, "CALLSHEET_MAX_SUBSCRIPTIONS", Limits.max_subscriptions),
        )
        log_format = env.get("CALLSHEET_LOG_FORMAT") or ("json" if mode == "production" else "text")
        if log_format not in ("text", "json"):
            raise SettingsError("CALLSHEET_LOG_FORMAT must be 'text' or 'json'")
        dispatcher = env.get("CALLSHEET_WEBHOOK_DISPATCHER") or "process"
        if dispatcher not in ("process", "inline", "off"):
            raise SettingsError("CALLSHEET_WEBHOOK_DISPATCHER must be 'process', 'inline' or 'off'")
        metrics = env.get("CALLSHEET_METRICS", "on").lower()
        if metrics not in ("on", "off", "1", "0", "true", "false"):
            raise SettingsError("CALLSHEET_METRICS must be 'on' or 'off'")
        settings = cls(
            database_url=normalise_database_url(env.get("CALLSHEET_DATABASE_URL") or DEFAULT_DATABASE_URL),
            redis_url=env.get("CALLSHEET_REDIS_URL") or None,
            secret=env.get("CALLSHEET_SECRET") or DEFAULT_SECRET,
            mode=mode,  # type: ignore[arg-type]
            allowed_origins=origins,
            limits=limits,
            webhook_retry_seconds=float(_int(env, "CALLSHEET_WEBHOOK_RETRY_SECONDS", 30)),
            webhook_timeout_seconds=float(_int(env, "CALLSHEET_WEBHOOK_TIMEOUT_SECONDS", 10)),
            webhook_allow_private=_flag(env, "CALLSHEET_WEBHOOK_ALLOW_PRIVATE"),
            webhook_dispatcher=dispatcher,  # type: ignore[arg-type]
            log_format=log_format,  # type: ignore[arg-type]
            metrics=metrics in ("on", "1", "true"),
            metrics_token=env.get("CALLSHEET_METRICS_TOKEN") or None,
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
            smtp_url=env.get("CALLSHEET_SMTP_URL") or None,
            smtp_from=env.get("CALLSHEET_SMTP_FROM") or "callsheet@localhost",
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse configurations that are unsafe in production."""
        if self.production and self.secret == DEFAULT_SECRET:
            raise SettingsError("CALLSHEET_SECRET must be set to a private value in production mode")
        if self.production and len(self.secret) < 32:
            raise SettingsError("CALLSHEET_SECRET must be at least 32 characters in production mode")
        if self.smtp_url is not None:
            parse_smtp_url(self.smtp_url)
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise SettingsError("CALLSHEET_METRICS_TOKEN must be at least 16 characters")

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (tests and the CLI use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SmtpServer:
    """Where notification e-mail goes: `smtp://user:pass@host:port` (STARTTLS when offered)."""

    host: str
    port: int
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpServer:
    """The parts of CALLSHEET_SMTP_URL, or SettingsError."""
    parts = urlsplit(url)
    if parts.scheme != "smtp" or not parts.hostname:
        raise SettingsError("CALLSHEET_SMTP_URL must look like smtp://user:pass@host:port")
    try:
        port = parts.port or 25
    except ValueError:
        raise SettingsError("CALLSHEET_SMTP_URL has a bad port") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")

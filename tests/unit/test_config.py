"""Settings: URL forms, production refusals, bad numbers."""

from __future__ import annotations

import pytest

from server.config import DEFAULT_SECRET, Settings, SettingsError, normalise_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///studio.db", "sqlite+aiosqlite:///studio.db"),
        ("sqlite+aiosqlite:////var/lib/cs.db", "sqlite+aiosqlite:////var/lib/cs.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_urls_are_mapped_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_unknown_database_is_refused() -> None:
    with pytest.raises(SettingsError, match="unsupported database URL scheme in 'mysql'"):
        normalise_database_url("mysql://u@h/db")


def test_defaults_are_the_embedded_mode() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite+aiosqlite:///callsheet.db"
    assert settings.redis_url is None
    assert settings.mode == "development"
    assert settings.secret == DEFAULT_SECRET


def test_production_refuses_the_default_and_short_secrets() -> None:
    with pytest.raises(SettingsError, match="CALLSHEET_SECRET must be set"):
        Settings.from_env({"CALLSHEET_MODE": "production"})
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({"CALLSHEET_MODE": "production", "CALLSHEET_SECRET": "short"})
    ok = Settings.from_env({"CALLSHEET_MODE": "production", "CALLSHEET_SECRET": "k" * 32})
    assert ok.production


@pytest.mark.parametrize("value", ["abc", "-1", "0"])
def test_limits_must_be_positive_integers(value: str) -> None:
    with pytest.raises(SettingsError, match="CALLSHEET_MAX_PAGE_SIZE"):
        Settings.from_env({"CALLSHEET_MAX_PAGE_SIZE": value})


def test_origins_and_limits_are_read() -> None:
    settings = Settings.from_env(
        {"CALLSHEET_ALLOWED_ORIGINS": "https://a.example, https://b.example", "CALLSHEET_MAX_DEPTH": "7"}
    )
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.limits.max_depth == 7


def test_bad_mode_is_refused() -> None:
    with pytest.raises(SettingsError, match="CALLSHEET_MODE"):
        Settings.from_env({"CALLSHEET_MODE": "staging"})

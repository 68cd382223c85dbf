"""docker-compose, the Dockerfile, the README and CI agree with what the server reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from server.config import ENVIRONMENT_VARIABLES, Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_services_have_images_and_health_checks() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "server", "scanner"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("postgres", "redis", "server"):
        assert services[name]["healthcheck"]["test"], name
    assert services["server"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert "callsheet migrate &&" in " ".join(services["server"]["command"])


def test_compose_server_environment_is_what_the_settings_read() -> None:
    environment = compose()["services"]["server"]["environment"]
    assert set(environment) <= set(ENVIRONMENT_VARIABLES)
    assert {"CALLSHEET_DATABASE_URL", "CALLSHEET_REDIS_URL", "CALLSHEET_SECRET", "CALLSHEET_MODE"} <= set(environment)
    resolved = {k: re.sub(r"\$\{[A-Z_]+:[-?]([^}]*)\}", r"\1", str(v)) for k, v in environment.items()}
    resolved["CALLSHEET_SECRET"] = "s" * 40
    settings = Settings.from_env(resolved)
    assert settings.database_url.startswith("postgresql+asyncpg://callsheet:")
    assert settings.database_url.endswith("@postgres:5432/callsheet")
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.production
    # No SMTP server unless one is given: notifications stay in-app.
    assert settings.smtp_url is None and settings.smtp_from == "callsheet@localhost"


def test_the_smtp_url_is_parsed_and_checked() -> None:
    from server.config import SettingsError, parse_smtp_url

    server = parse_smtp_url("smtp://mail%40studio:p%3Ass@mail.example:2525")
    assert (server.host, server.port, server.username, server.password) == ("mail.example", 2525, "mail@studio", "p:ss")
    assert parse_smtp_url("smtp://relay").port == 25
    for bad in ("http://relay:25", "smtp://", "smtp://relay:notaport"):
        try:
            Settings.from_env({"CALLSHEET_SMTP_URL": bad})
        except SettingsError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_compose_scanner_maps_a_serial_device_and_keeps_its_outbox() -> None:
    scanner = compose()["services"]["scanner"]
    assert scanner["devices"][0].endswith(":/dev/scanner")
    command = scanner["command"]
    assert command[:3] == ["callsheet", "scanner", "run"]
    assert command[command.index("--port") + 1] == "/dev/scanner"
    outbox = command[command.index("--outbox") + 1]
    assert any(outbox.startswith(v.split(":")[1]) for v in scanner["volumes"])
    assert "CALLSHEET_SCANNER_TOKEN" in scanner["environment"]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ENVIRONMENT_VARIABLES:
        assert f"`{name}`" in readme, name


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv && ")]
    assert len(commands) == 2, commands
    serve, test = commands
    assert serve.endswith("callsheet serve --demo")
    assert test.endswith("pytest") and "'.[test]'" in test
    # CI takes the command from the README itself and runs it on both backends.
    assert 'grep -m1 -E "^python3 -m venv \\.venv && .*pytest" README.md' in ci
    assert ci.count('bash -c "$TEST_COMMAND"') == 2
    assert "CALLSHEET_TEST_DATABASE_URL" in ci and "CALLSHEET_TEST_REDIS_URL" in ci


def test_readme_graphql_examples_are_valid_against_the_exported_schema() -> None:
    from graphql import build_schema, parse, validate

    schema = build_schema((ROOT / "schema.graphql").read_text())
    blocks = re.findall(r"```graphql\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 4
    for block in blocks:
        assert [str(e) for e in validate(schema, parse(block))] == [], block

"""The `callsheet` command as a user runs it: in a fresh directory, on the embedded default."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "server.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CALLSHEET_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run(CLI + args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)


def test_token_create_prints_the_token_alone_on_the_last_line(tmp_path: Path) -> None:
    made = run(["studio", "create", "Riverside", "--location", "Cage"], tmp_path)
    assert made.returncode == 0, made.stderr
    created = run(["token", "create", "--role", "scanner", "--location", "Cage", "--name", "Cage scanner"], tmp_path)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("cs_") and " " not in token

    missing_location = run(["token", "create", "--role", "DISPLAY"], tmp_path)
    unknown_role = run(["token", "create", "--role", "JANITOR"], tmp_path)
    assert (missing_location.returncode, missing_location.stderr.strip()) == (
        1,
        "callsheet: a DISPLAY token needs --location",
    )
    assert unknown_role.returncode == 1 and "unknown role JANITOR" in unknown_role.stderr

    listed = run(["token", "list"], tmp_path)
    assert "SCANNER" in listed.stdout and token not in listed.stdout
    revoked = run(["token", "revoke", token], tmp_path)
    assert revoked.returncode == 0 and revoked.stdout.startswith("revoked token ")
    assert "revoked" in run(["token", "list"], tmp_path).stdout


def test_a_client_token_names_an_existing_client_and_a_person_an_address(tmp_path: Path) -> None:
    assert run(["studio", "create", "Riverside"], tmp_path).returncode == 0
    early = run(["token", "create", "--role", "CLIENT", "--client", "Acme Records"], tmp_path)
    assert (early.returncode, early.stderr.strip()) == (
        1,
        "callsheet: no client named 'Acme Records' in this studio (createClient first)",
    )
    unbound = run(["token", "create", "--role", "CLIENT"], tmp_path)
    assert (unbound.returncode, unbound.stderr.strip()) == (1, "callsheet: a CLIENT token needs --client")
    assert run(["client", "create", "Acme Records"], tmp_path).stdout.strip() == "created client Acme Records"
    twice = run(["client", "create", "Acme Records"], tmp_path)
    assert twice.returncode == 1 and "already exists" in twice.stderr
    made = run(
        [
            "token",
            "create",
            "--role",
            "CLIENT",
            "--client",
            "Acme Records",
            "--name",
            "Ana",
            "--email",
            "ana@acme.test",
        ],
        tmp_path,
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().splitlines()[-1].startswith("cs_")
    # Only a CLIENT token belongs to a client; an address must look like one.
    wrong = run(["token", "create", "--role", "CREW", "--client", "Acme Records"], tmp_path)
    bad = run(["token", "create", "--role", "PRODUCER", "--email", "not an address"], tmp_path)
    assert wrong.returncode == 1 and "bound to a client" in wrong.stderr
    assert bad.returncode == 1 and "e-mail address" in bad.stderr


def test_studio_must_be_named_when_there_are_several(tmp_path: Path) -> None:
    run(["studio", "create", "One"], tmp_path)
    run(["studio", "create", "Two"], tmp_path)
    refused = run(["token", "create", "--role", "ADMIN"], tmp_path)
    named = run(["token", "create", "--role", "ADMIN", "--studio", "Two"], tmp_path)
    assert refused.returncode == 1 and "pass --studio NAME" in refused.stderr
    assert named.returncode == 0


def test_no_studio_yet_says_what_to_do(tmp_path: Path) -> None:
    refused = run(["token", "create", "--role", "ADMIN"], tmp_path)
    assert refused.returncode == 1 and "callsheet studio create" in refused.stderr


def test_production_mode_refuses_the_default_secret(tmp_path: Path) -> None:
    refused = run(["migrate"], tmp_path, {"CALLSHEET_MODE": "production"})
    assert refused.returncode == 2 and "CALLSHEET_SECRET" in refused.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_from_an_empty_directory_twice(tmp_path: Path) -> None:
    """The README's first command: a database appears, the demo loads once, tokens work."""
    names = []
    for _run in range(2):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLSHEET_")}
        env["PYTHONPATH"] = str(ROOT)
        proc = subprocess.Popen(
            [*CLI, "serve", "--demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            lines: list[str] = []
            assert proc.stdout is not None
            while not any(line.strip().startswith("CLIENT") for line in lines):
                line = proc.stdout.readline()
                assert line, "".join(lines)
                lines.append(line)
            tokens = {p.split()[0]: p.split()[1] for p in lines if p.startswith("  ") and "cs_" in p}
            assert set(tokens) == {"ADMIN", "COORDINATOR", "PRODUCER", "CREW", "SCANNER", "DISPLAY", "CLIENT"}
            assert any(f"http://127.0.0.1:{port}/graphql" in line for line in lines)
            deadline = time.monotonic() + 20
            while True:
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            assert health.json()["status"] == "ok"
            body = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ viewer { role } resources(first: 200) { edges { node { name } } } kits { name } }"},
                headers={"Authorization": f"Bearer {tokens['COORDINATOR']}"},
            ).json()
            assert body["data"]["viewer"] == {"role": "COORDINATOR"}
            names.append(sorted(e["node"]["name"] for e in body["data"]["resources"]["edges"]))
            assert [k["name"] for k in body["data"]["kits"]] == [
                "Camera package A",
                "Camera package B",
                "Camera package C",
            ]
            # The client portal token sees its client's projects (both demo projects are Brightwave's).
            portal = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ viewer { role } projects { edges { node { name client { name } } } } }"},
                headers={"Authorization": f"Bearer {tokens['CLIENT']}"},
            ).json()
            assert portal["data"]["viewer"] == {"role": "CLIENT"}
            shown = [e["node"] for e in portal["data"]["projects"]["edges"]]
            assert sorted(p["name"] for p in shown) == ["Brightwave brand film", "Founders Unfiltered S2"]
            assert {p["client"]["name"] for p in shown} == {"Brightwave Media"}
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    assert (tmp_path / "callsheet.db").exists()
    assert names[0] == names[1]
    assert {"Studio A", "Studio B", "Studio C", "Studio D", "Edit Bay 1", "Shure SM7B #4"} <= set(names[0])


@pytest.mark.postgres
def test_serve_refuses_an_unmigrated_postgres_database(tmp_path: Path) -> None:
    url = os.environ["CALLSHEET_TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    refused = run(["serve", "--port", str(free_port())], tmp_path, {"CALLSHEET_DATABASE_URL": url})
    assert refused.returncode == 1
    assert "run `callsheet migrate` first" in refused.stderr

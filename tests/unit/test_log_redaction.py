"""Redaction skips the pattern scans only where they could not match: the same text either way."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.telemetry import logs

PIECES = ["cs_", "cf_", "/calendar/", "/review/", "abcd1234", "-_x", " ", '"', "/", ".ics", "token=", "Cs_", "é"]


def scanned(text: str) -> str:
    """Both scans over every line, as redaction did before the shortcut."""
    return logs._SECRET_PATHS.sub(r"\1[secret]", logs._SECRETS.sub(r"\1[secret]", text))


@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=12).map("".join))
def test_redaction_is_the_two_scans(text: str) -> None:
    assert logs.redact(text) == scanned(text)


def test_secrets_are_replaced() -> None:
    line = "GET /calendar/abcdEFGH1234.ics token cs_abcdefgh and cf_12345678 /review/s3cr3t/x"
    assert logs.redact(line) == "GET /calendar/[secret].ics token cs_[secret] and cf_[secret] /review/[secret]/x"
    assert logs.redact("POST /graphql 200") == "POST /graphql 200"

"""A subscribe's document is checked for syntax once per distinct short text."""

from __future__ import annotations

from server.websocket import REMEMBERED_DOCUMENT, _remembered_syntax_error, syntax_error


def test_the_same_answer_remembered_for_short_documents_and_never_kept_for_long_ones() -> None:
    _remembered_syntax_error.cache_clear()
    good = "subscription { roomBoard(locationId: 1) { seq } }"
    assert syntax_error(good, 1000) is None
    assert syntax_error(good, 1000) is None
    assert syntax_error("subscription {", 1000) == "Syntax Error: Expected Name, found <EOF>."
    assert syntax_error(good, 3) == "Syntax Error: Document contains more than 3 tokens. Parsing aborted."
    info = _remembered_syntax_error.cache_info()
    assert (info.hits, info.misses) == (1, 3)
    long = "subscription { " + " ".join(f"a{i}: roomBoard(locationId: 1) {{ seq }}" for i in range(400)) + " }"
    assert len(long) > REMEMBERED_DOCUMENT
    assert syntax_error(long, 100000) is None
    assert syntax_error(long + " {", 100000) == "Syntax Error: Expected Name, found <EOF>."
    assert _remembered_syntax_error.cache_info().currsize == 3

"""The `expectedVersion` argument every mutation that changes an existing entity takes."""

from __future__ import annotations

from typing import Annotated

import strawberry

EXPECTED_VERSION = (
    "The version the change is based on: if the object has changed since, the answer is "
    "StaleVersionError and nothing changes. Omitted: no check (send it)."
)

ExpectedVersion = Annotated[int | None, strawberry.argument(description=EXPECTED_VERSION)]

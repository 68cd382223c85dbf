"""The app answers over HTTP with the caller's identity."""

from __future__ import annotations

from db.models import Role
from tests.conftest import StudioFixture


async def test_viewer_names_the_caller_and_studio(studio: StudioFixture) -> None:
    data = await studio.data("{ viewer { role name studio { name currency timezone } location { name } } }")
    assert data["viewer"] == {
        "role": "ADMIN",
        "name": "Admin One",
        "studio": {"name": studio.name, "currency": "GBP", "timezone": "Europe/London"},
        "location": None,
    }


async def test_display_token_is_bound_to_its_location(studio: StudioFixture) -> None:
    data = await studio.data("{ viewer { role location { name } } }", role=Role.DISPLAY)
    assert data["viewer"] == {"role": "DISPLAY", "location": {"name": "Main floor"}}

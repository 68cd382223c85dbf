"""Invoice downloads: CSV and printable HTML, behind the same Bearer token, for those who may read them."""

from __future__ import annotations

import csv
import io

from db.models import Role
from server.schema.ids import parse_global_id, to_global_id
from tests.alloc_support import Catalogue, at, build, create
from tests.conftest import StudioFixture
from tests.money_support import CREATE_INVOICE, ISSUE, price_catalogue

END = "mutation($id: ID!, $at: DateTime) { endSession(id: $id, at: $at) { __typename } }"
START = "mutation($id: ID!, $at: DateTime) { startSession(id: $id, at: $at) { __typename } }"


async def invoiced(cat: Catalogue, title: str = "Session", project: str | None = None) -> dict:
    """A completed two-hour session in Studio A (85.00 an hour), drafted as an invoice."""
    studio = cat.studio
    made = await create(
        cat,
        projectId=project or cat.project,
        start=at(1, 10),
        end=at(1, 12),
        title=title,
        status="CONFIRMED",
        allocations=[{"resourceId": cat.gid("Studio A")}],
    )
    bid = made["booking"]["id"]
    await studio.data(START, {"id": bid, "at": at(1, 10).isoformat()})
    await studio.data(END, {"id": bid, "at": at(1, 12).isoformat()})
    draft = (await studio.data(CREATE_INVOICE, {"id": project or cat.project}))["createInvoice"]
    assert draft["__typename"] == "InvoiceChanged", draft
    return draft["invoice"]


async def get(studio: StudioFixture, path: str, role: Role | None = Role.COORDINATOR):
    headers = {"Authorization": f"Bearer {studio.tokens[role]}"} if role else {}
    return await studio.http.get(path, headers=headers)


async def test_csv_and_html_of_an_issued_invoice(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    invoice = await invoiced(cat, title='=HYPERLINK("http://evil")')
    issued = (await studio.data(ISSUE, {"id": invoice["id"]}))["issueInvoice"]["invoice"]
    assert issued["csvUrl"] == f"/invoices/{invoice['id']}.csv"

    response = await get(studio, issued["csvUrl"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="invoice-1.csv"'
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "invoice",
        "status",
        "issued",
        "project",
        "line",
        "description",
        "quantity",
        "unit",
        "rate",
        "amount",
    ]
    issued_on = rows[1][2]
    assert rows[1:] == [
        ["1", "ISSUED", issued_on, "Founders Unfiltered", "1", "'=HYPERLINK(\"http://evil\"): Studio A", "2", "HOUR",
         "85.00", "170.00"],
        ["1", "ISSUED", issued_on, "Founders Unfiltered", "", "Total (GBP)", "", "", "", "170.00"],
    ]  # fmt: skip

    page = await get(studio, issued["htmlUrl"], role=Role.PRODUCER)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<h1>Invoice 1</h1>" in page.text
    assert "<dt>Client</dt><dd>Brightwave</dd>" in page.text
    assert "170.00 GBP" in page.text
    assert "<script" not in page.text and "=HYPERLINK(&quot;http://evil&quot;)" in page.text


async def test_a_draft_downloads_marked_as_draft(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    invoice = await invoiced(cat)
    page = await get(studio, invoice["htmlUrl"])
    assert page.status_code == 200
    assert "<h1>Draft invoice</h1>" in page.text and "<p class=stamp>DRAFT</p>" in page.text
    sheet = await get(studio, invoice["csvUrl"])
    parsed = parse_global_id(invoice["id"])
    assert parsed is not None
    assert sheet.headers["content-disposition"] == f'attachment; filename="invoice-draft-{parsed[1]}.csv"'
    assert sheet.text.splitlines()[1].startswith(f"DRAFT-{parsed[1]},DRAFT,,Founders Unfiltered,1,")


async def test_downloads_refuse_who_may_not_read_them(studio: StudioFixture, other_studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    invoice = await invoiced(cat)
    path = invoice["csvUrl"]
    assert (await get(studio, path, role=None)).status_code == 401
    bad = await studio.http.get(path, headers={"Authorization": "Bearer cs_not_a_token"})
    assert bad.status_code == 401
    for role in (Role.CREW, Role.SCANNER, Role.DISPLAY):
        refused = await get(studio, path, role=role)
        assert (refused.status_code, refused.json()["errors"][0]["extensions"]["code"]) == (403, "FORBIDDEN")
    for role in (Role.ADMIN, Role.COORDINATOR, Role.PRODUCER):
        assert (await get(studio, path, role=role)).status_code == 200
    # Another studio's staff, a malformed ID and another type's ID read as not found.
    assert (await get(other_studio, path, role=Role.ADMIN)).status_code == 404
    assert (await get(studio, "/invoices/nonsense.csv")).status_code == 404
    project_gid = to_global_id("Project", cat.project_id)
    assert (await get(studio, f"/invoices/{project_gid}.html")).status_code == 404
    # The producer does not see another project's invoice.
    elsewhere = await invoiced(cat, title="Other session", project=cat.other_project)
    assert (await get(studio, elsewhere["csvUrl"], role=Role.PRODUCER)).status_code == 404
    assert (await get(studio, elsewhere["csvUrl"], role=Role.COORDINATOR)).status_code == 200

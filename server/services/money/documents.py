"""An invoice as a document: loaded for whoever may read it, rendered as CSV and as a printable HTML page."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Invoice, InvoiceLine, InvoiceStatus, Project, Studio
from db.repositories import money as rows
from db.repositories import projects as project_rows
from db.repositories import tenancy
from server.services.currency import from_minor
from server.services.permissions import Action, allowed
from server.services.principal import Principal

CSV_COLUMNS = ("invoice", "status", "issued", "project", "line", "description", "quantity", "unit", "rate", "amount")
# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class InvoiceDocument:
    invoice: Invoice
    lines: list[InvoiceLine]
    project: Project
    client: str | None
    studio: Studio

    @property
    def reference(self) -> str:
        return str(self.invoice.number) if self.invoice.number is not None else f"DRAFT-{self.invoice.id}"

    @property
    def filename(self) -> str:
        return f"invoice-{self.reference.lower()}"

    def money(self, minor: int) -> str:
        return str(from_minor(minor, self.invoice.currency))

    def local_date(self, moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(ZoneInfo(self.studio.timezone)).date().isoformat()


async def load_document(session: AsyncSession, principal: Principal, invoice_id: int) -> InvoiceDocument | None:
    """The invoice with its lines, if the caller may read this project's money (None otherwise)."""
    if not allowed(principal, Action.READ_MONEY):
        return None
    found = await rows.invoices_by_ids(session, principal, [invoice_id])
    if not found:
        return None
    invoice = found[0]
    project = await project_rows.get(session, principal, invoice.project_id)
    studio = await tenancy.studio(session, principal)
    if project is None or studio is None:
        return None
    clients = await project_rows.clients_by_ids(session, principal, [project.client_id] if project.client_id else [])
    lines = await rows.invoice_lines(session, principal, [invoice.id])
    return InvoiceDocument(invoice, lines, project, clients[0].name if clients else None, studio)


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render_csv(doc: InvoiceDocument) -> str:
    """One row per line (with the invoice's reference, for importing), then the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    head = [doc.reference, doc.invoice.status.value, doc.local_date(doc.invoice.issued_at), _cell(doc.project.name)]
    for n, line in enumerate(doc.lines, start=1):
        writer.writerow(
            [
                *head,
                n,
                _cell(line.description),
                line.quantity,
                _cell(line.unit),
                doc.money(line.rate_minor),
                doc.money(line.amount_minor),
            ]
        )
    writer.writerow([*head, "", f"Total ({doc.invoice.currency})", "", "", "", doc.money(doc.invoice.total_minor)])
    return out.getvalue()


def render_html(doc: InvoiceDocument) -> str:
    """A self-contained page that prints on A4 (no scripts, no external resources)."""
    e = html.escape
    inv = doc.invoice
    title = f"Invoice {doc.reference}" if inv.number is not None else "Draft invoice"
    rows_html = "\n".join(
        f"<tr><td>{e(line.description)}</td><td class=num>{e(line.quantity)}</td><td>{e(line.unit)}</td>"
        f"<td class=num>{e(doc.money(line.rate_minor))}</td><td class=num>{e(doc.money(line.amount_minor))}</td></tr>"
        for line in doc.lines
    )
    stamp = "" if inv.status in (InvoiceStatus.ISSUED, InvoiceStatus.PAID) else f"<p class=stamp>{inv.status.value}</p>"
    dates = [("Issued", inv.issued_at), ("Paid", inv.paid_at), ("Voided", inv.voided_at)]
    facts = "".join(f"<dt>{label}</dt><dd>{e(doc.local_date(when))}</dd>" for label, when in dates if when)
    client = f"<dt>Client</dt><dd>{e(doc.client)}</dd>" if doc.client else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(title)} - {e(doc.studio.name)}</title>
<style>
  @page {{ size: A4; margin: 18mm; }}
  body {{ font: 11pt/1.45 system-ui, sans-serif; color: #111; max-width: 180mm; margin: 2em auto; }}
  h1 {{ font-size: 20pt; margin: 0 0 .2em; }}
  dl {{ display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }}
  dt {{ color: #555; }} dd {{ margin: 0; }}
  table {{ width: 100%; border-collapse: collapse; margin-top: 1.5em; }}
  th, td {{ padding: .35em .5em; border-bottom: 1px solid #ccc; text-align: left; vertical-align: top; }}
  .num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
  tfoot td {{ font-weight: 600; border-bottom: none; border-top: 2px solid #111; }}
  .stamp {{ color: #b00; font-weight: 700; letter-spacing: .2em; border: 2px solid #b00;
            display: inline-block; padding: .1em .6em; }}
  @media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<p>{e(doc.studio.name)}</p>
<h1>{e(title)}</h1>
{stamp}
<dl>
<dt>Project</dt><dd>{e(doc.project.name)}</dd>{client}
<dt>Status</dt><dd>{e(inv.status.value)}</dd>{facts}
<dt>Currency</dt><dd>{e(inv.currency)}</dd>
</dl>
<table>
<thead><tr><th>Description</th><th class=num>Quantity</th><th>Unit</th><th class=num>Rate</th>
<th class=num>Amount</th></tr></thead>
<tbody>
{rows_html}
</tbody>
<tfoot><tr><td colspan=4>Total</td><td class=num>{e(doc.money(inv.total_minor))} {e(inv.currency)}</td></tr></tfoot>
</table>
</body>
</html>
"""

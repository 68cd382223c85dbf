"""Query and mutation fields of money, composed into the root types."""

from __future__ import annotations

import strawberry

from server.resolvers import money, scheduling


@strawberry.type
class MoneyQuery:
    budget = strawberry.field(
        resolver=money.budget,
        description="A project's approved budget, estimate, actual and remaining, with lines; null without access.",
    )
    rates = strawberry.field(
        resolver=money.rate_card,
        description="The rate card (studio staff only), or one resource's or category's rates.",
    )
    quote = strawberry.field(
        resolver=money.quote,
        description="What adding allocations would cost and whether it would need an approved overrun.",
    )
    invoices = strawberry.field(resolver=money.invoice_page, description="Invoices the caller may see, newest first.")
    utilization = strawberry.field(
        resolver=money.utilization,
        description="Bookable and booked hours, revenue and cost per resource and category (studio staff only).",
    )


@strawberry.type
class MoneyMutation:
    set_rate = strawberry.mutation(
        resolver=money.set_rate, description="Set the cost and bill rate of a resource or category for a period."
    )
    set_project_budget = strawberry.mutation(
        resolver=money.set_project_budget, description="Change a project's approved budget, keeping its history."
    )
    create_invoice = strawberry.mutation(
        resolver=money.create_invoice,
        description="Draft an invoice of the completed, not yet invoiced work of a project.",
    )
    add_invoice_line = strawberry.mutation(resolver=money.add_invoice_line, description="Add a manual line to a draft.")
    remove_invoice_line = strawberry.mutation(
        resolver=money.remove_invoice_line, description="Take a line off a draft; its work can be invoiced again."
    )
    discard_invoice = strawberry.mutation(resolver=money.discard_invoice, description="Delete a draft invoice.")
    issue_invoice = strawberry.mutation(
        resolver=money.issue_invoice, description="Number a draft with the studio's next number and freeze it."
    )
    mark_invoice_paid = strawberry.mutation(resolver=money.mark_invoice_paid, description="ISSUED -> PAID.")
    void_invoice = strawberry.mutation(
        resolver=money.void_invoice, description="ISSUED -> VOID; its work can be invoiced again."
    )
    start_session = strawberry.mutation(
        resolver=scheduling.start_booking,
        description="The session started (CONFIRMED -> IN_PROGRESS), now or `at`: actuals count from here.",
    )
    end_session = strawberry.mutation(
        resolver=scheduling.complete_booking,
        description="The session ended (IN_PROGRESS -> COMPLETED), now or `at`: overruns and overtime bill to here.",
    )

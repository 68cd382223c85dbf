"""Query and mutation fields of the equipment cage, composed into the root types."""

from __future__ import annotations

import strawberry

from server.resolvers import cage


@strawberry.type
class CageQuery:
    asset_by_code = strawberry.field(
        resolver=cage.asset_by_code,
        description="The item a scanned code names (asset tag, GS1 GIAI/GRAI, EPC), if the caller may see it.",
    )
    asset_history = strawberry.field(
        resolver=cage.asset_history,
        description="Who had an item, when, for which booking, in what condition, and every scan by which device.",
    )


@strawberry.type
class CageMutation:
    check_out_asset = strawberry.mutation(
        resolver=cage.check_out_asset, description="A check-out scan: an item or a kit label leaves the cage."
    )
    return_asset = strawberry.mutation(
        resolver=cage.return_asset, description="A return scan: an item comes back, in a condition."
    )
    release_asset = strawberry.mutation(
        resolver=cage.release_asset, description="Put a repaired item back in the cage (ends its maintenance)."
    )
    start_audit = strawberry.mutation(resolver=cage.start_audit, description="Start a stock-take of a location.")
    record_audit_scans = strawberry.mutation(
        resolver=cage.record_audit_scans, description="Record a batch of reads into a running audit."
    )
    finish_audit = strawberry.mutation(
        resolver=cage.finish_audit, description="Finish an audit: what was found, missing and unexpected."
    )
    mark_missing = strawberry.mutation(
        resolver=cage.mark_missing, description="Mark items a finished audit did not find as MISSING."
    )

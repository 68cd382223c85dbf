"""GraphQL documents of the cage, shared by the cage's API tests."""

from __future__ import annotations

from typing import Any

from server.schema.ids import to_global_id

ERRORS = "... on UserError { __typename code message }"

CHECK_OUT = f"""
mutation($input: CheckOutAssetInput!) {{
  checkOutAsset(input: $input) {{
    __typename
    ... on AssetCheckedOut {{
      asset {{ id name custody currentCustody {{ custodian dueAt booking {{ title }} }} }}
      booking {{ id title }}
      dueAt
      items {{ name custody }}
      kit {{ name }}
      missing {{ reason resource {{ name custody }} }}
    }}
    ... on ConflictError {{ conflicts {{ resource {{ name }} booking {{ title }} }} }}
    {ERRORS}
  }}
}}
"""

RETURN = f"""
mutation($input: ReturnAssetInput!) {{
  returnAsset(input: $input) {{
    __typename
    ... on AssetReturned {{
      asset {{ name custody currentCustody {{ custodian }} }}
      condition late booking {{ title }} affectedBookings {{ title }}
    }}
    {ERRORS}
  }}
}}
"""

RELEASE = f"""
mutation($input: ReleaseAssetInput!) {{
  releaseAsset(input: $input) {{ __typename ... on AssetReleased {{ asset {{ name custody }} }} {ERRORS} }}
}}
"""

START_AUDIT = f"""
mutation($input: StartAuditInput!) {{
  startAudit(input: $input) {{
    __typename
    ... on AuditStarted {{ audit {{ id cardCode running location {{ name }} }} }}
    {ERRORS}
  }}
}}
"""

RECORD_AUDIT_SCANS = f"""
mutation($input: RecordAuditScansInput!) {{
  recordAuditScans(input: $input) {{
    __typename
    ... on AuditScansRecorded {{ seen {{ name }} newlySeen unresolved audit {{ seenCount }} }}
    {ERRORS}
  }}
}}
"""

FINISH_AUDIT = f"""
mutation($input: FinishAuditInput!) {{
  finishAudit(input: $input) {{
    __typename
    ... on AuditFinished {{
      found {{ name }} missing {{ name }} unexpected {{ name }}
      audit {{ running finishedAt missing {{ name }} }}
    }}
    {ERRORS}
  }}
}}
"""

MARK_MISSING = f"""
mutation($input: MarkMissingInput!) {{
  markMissing(input: $input) {{
    __typename
    ... on AssetsMarkedMissing {{ marked {{ name custody }} unchanged {{ name }} }}
    {ERRORS}
  }}
}}
"""

ASSET_BY_CODE = "query($code: String!) { assetByCode(code: $code) { id name code epc custody } }"

ASSET_HISTORY = """
query($id: ID!) {
  assetHistory(id: $id) {
    asset { name custody }
    custody {
      custodian since dueAt returnedAt condition notes missingAccessories checkedOutBy returnedBy overdue
      booking { title } kit { name }
    }
    scans { action outcome accepted code device detail booking { title } location { name } }
  }
}
"""


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


def result(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    value = body["data"][field]
    assert isinstance(value, dict)
    return value

"""The equipment cage: scanned codes, check-out, returns, maintenance, audits, overdue and history."""

"""API tokens: mint and revoke (administrators only)."""

"""Staff accounts, sign-in sessions, API tokens and the audit trail's search."""

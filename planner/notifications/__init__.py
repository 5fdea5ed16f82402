"""Email notices: the outbox, its rules and the sending job (docs/reports.md)."""

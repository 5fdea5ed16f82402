"""Papers: exception reports as tagged PDF, from the pages' own templates (docs/reports.md)."""

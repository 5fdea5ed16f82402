"""What every feature stands on: settings, the database and its unit of work, the error
tree, the audit trail, the one clock, migrations and what every command shares."""

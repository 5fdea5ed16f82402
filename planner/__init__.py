"""The planner: the council's records, the services that change them, the CLI and the jobs.

See docs/architecture.md for the map of this tree and where each rule lives."""

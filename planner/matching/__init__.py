"""Match runs on the records and the decisions people make about their proposals."""

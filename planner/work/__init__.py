"""The queue of long work: match runs and forecasts done outside the request."""

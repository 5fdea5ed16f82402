"""Forecasts from the records and the published statistics, scenarios and places needed."""

"""Escalation review of everyone in unsuitable accommodation, and the exception reports."""

"""Scheduled jobs: the scheduler process, the jobs themselves and their recorded runs."""

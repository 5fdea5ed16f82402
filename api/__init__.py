"""The web service: server-rendered pages and the JSON API over the planner's services."""

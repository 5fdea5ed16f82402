"""The pages' SVG charts live in :mod:`planner.reports.charts`, their one home, because the
papers (PDF) draw the same charts; this name stays for the pages and their tests."""

from planner.reports.charts import (  # noqa: F401 - re-exported
    BANDS,
    FanChart,
    Geometry,
    Scale,
    describe_fan,
    fan_chart_svg,
    fan_geometry,
    nice_ceiling,
)

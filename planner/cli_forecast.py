"""Forecast commands that need only the DfE's published statistics (aggregate mode).

``planner forecast-published`` writes the forecast for every council; ``planner
forecast-backtest-published`` prints how accurate the same method has been on the published
years. Errors a user can fix (a missing folder, an origin outside the data, a bad horizon)
print a precise message and exit with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from forecasts.published import backtest_published, forecast_published, published_accuracy
from planner.published_stats import PublishedStatsError, load_care_leaver_counts

console = Console()
err = Console(stderr=True)

DataOption = Annotated[
    Path,
    typer.Option("--data", help="Folder with the DfE CSVs (la_care_leavers_accommodation_...)"),
]


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code=2)


def _load(data: Path):  # type: ignore[no-untyped-def]
    try:
        return load_care_leaver_counts(data)
    except PublishedStatsError as exc:
        _fail(str(exc))


def forecast_published_command(
    data: DataOption,
    origin: Annotated[int, typer.Option("--origin", help="Last year of data to use")],
    horizon: Annotated[int, typer.Option("--horizon", help="Years to forecast")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
) -> None:
    """Forecast care leavers (total and in unsuitable accommodation) for every council."""
    if horizon < 1 or horizon > 10:
        _fail("--horizon must be between 1 and 10 years")
    counts = _load(data)
    years = sorted(counts["year"].unique())
    if origin not in years:
        _fail(f"--origin {origin} is not a year in the data ({years[0]}-{years[-1]})")
    if origin == years[0]:
        _fail(f"--origin must leave at least two years of data; the data start in {years[0]}")
    try:
        table = forecast_published(counts[counts["year"] <= origin], origin, horizon)
    except ValueError as exc:
        _fail(str(exc))
    if not out.parent.exists():
        _fail(f"no such folder for --out: {out.parent}")
    table.round(2).to_csv(out, index=False)
    councils = table["la_code"].nunique()
    console.print(
        f"Wrote {len(table)} rows for {councils} councils, {origin + 1}-{origin + horizon}, "
        f"to {out} (data up to {origin} only)."
    )


def forecast_backtest_published_command(data: DataOption) -> None:
    """Backtest the published-statistics forecast on every council and year."""
    counts = _load(data)
    try:
        accuracy = published_accuracy(backtest_published(counts))
    except ValueError as exc:
        _fail(str(exc))
    table = Table(title="Aggregate-mode backtest (annual, all councils; MASE against naive)")
    columns = [
        "measure",
        "age_group",
        "horizon",
        "forecasts",
        "wape",
        "wape_naive",
        "mase",
        "bias",
        "coverage_50",
        "coverage_80",
        "coverage_95",
        "interval_score_80",
    ]
    for col in columns:
        table.add_column(col, justify="left" if col in {"measure", "age_group"} else "right")
    for _, row in accuracy.iterrows():
        cells = []
        for col in columns:
            value = row[col]
            if col in {"measure", "age_group"}:
                cells.append(str(value))
            elif col in {"horizon", "forecasts"}:
                cells.append(str(int(value)))
            elif col.startswith("coverage") or col.startswith("wape"):
                cells.append(f"{value:.1%}")
            else:
                cells.append(f"{value:.3f}")
        table.add_row(*cells)
    Console(width=max(console.width, 170)).print(table)  # a wide table: never truncate it


def register(app: typer.Typer) -> None:
    """Add the aggregate-mode forecast commands to the ``planner`` command line."""
    app.command("forecast-published")(forecast_published_command)
    app.command("forecast-backtest-published")(forecast_backtest_published_command)

"""Forecast commands: planner forecast on the planner's own records, planner scenario
list|add|remove and planner places-needed (saved scenarios and the goal-seek), and
planner forecast-published / forecast-backtest-published on the DfE's published
statistics (aggregate mode).

A lever is written KIND:TARGET:LOW:CENTRAL:HIGH[:START]:

* arrivals:uasc:1.2:1.5:2.0: UASC arrivals 1.2 to 2.0 times the recorded rate (streams
  new, uasc, returner);
* exit_rate:supported_lodgings:0.7:0.8:0.9: leaving supported lodgings 10-30% less often;
* move_share:in_care_other>staying_put:1.1:1.3:1.5: more moves from care into staying
  put (move_share:staying_close:... for moves from every state);
* places:council_flat:6:9:9:2025-04-01: 6 to 9 council flats more from a date (negative
  for closures or host attrition);
* nts_rate::0.001:0.0012:0.0014: the transfer threshold as a share of children (no target).

LOW and HIGH are the lowest and highest values, CENTRAL the most likely; every run draws
afresh from a PERT distribution on LOW..HIGH with its peak at CENTRAL (never outside).
Errors a user can fix print a precise message (a lever's number and field) and exit with
code 2, having changed nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from planner.core import clock
from planner.core.cli_support import (
    Field,
    FormatOption,
    OutputFormat,
    console,
    fail,
    migrated_engine,
    parse_day,
    print_json,
    print_listing,
    progress_bar,
)
from planner.core.errors import PlannerError

if TYPE_CHECKING:
    from planner.forecasting.scenarios import LeverSpec

app = typer.Typer()


@app.command("forecast")
def forecast_command(
    out: Annotated[Path, typer.Option(help="Folder for the CSV tables, forecast.xlsx, summary")],
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="Scenario name; repeat to compare several side by side"),
    ] = None,
    horizon: Annotated[int, typer.Option(min=3, max=120, help="Months ahead")] = 60,
    runs: Annotated[int, typer.Option(min=50, max=20000, help="Monte Carlo runs")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same forecast)")] = 0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """Forecast demand, capacity and shortfall by placement type and lot from the records."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.core.settings import Settings
    from planner.forecasting import service as forecasting

    names = scenario or ["central"]
    settings = Settings()
    engine = migrated_engine()
    day = parse_day(as_of)
    try:
        with progress_bar() as progress:
            progress.add_task(f"Forecasting {', '.join(names)} ({runs} runs)", total=None)
            with unit_of_work(engine) as session:
                report = forecasting.make_forecast(
                    session,
                    scenarios=names,
                    months=horizon,
                    runs=runs,
                    seed=seed,
                    as_of=day,
                    child_population=settings.child_population,
                    actor=audit.cli_actor(),
                    with_sensitivity=True,
                )
    except PlannerError as exc:
        fail(exc.message)
    forecasting.write_report(report, out)
    demand = report.tables["demand"]
    first = demand[(demand["scenario"] == names[0]) & demand["capacity"].notna()]
    quarters = sorted(first["quarter_start"].unique())[:6]
    table = Table(title=f"{names[0]}: places needed (95% target) / planned, by quarter")
    table.add_column("Placement type")
    for q in quarters:
        table.add_column(pd_quarter(q), justify="right")
    for (ptype, lot), rows in first.groupby(["placement_type", "lot"], sort=True):
        need = dict(zip(rows["quarter_start"], rows["places_needed"], strict=False))
        have = dict(zip(rows["quarter_start"], rows["capacity"], strict=False))
        cells = []
        for q in quarters:
            text = f"{need[q]:.0f}/{have[q]:.0f}"
            cells.append(f"[red]{text}[/red]" if need[q] > have[q] else text)
        table.add_row(forecasting.state_label(ptype, lot), *cells)
    console.print(table)
    data = report.tables.get("inputs_data")
    if data is not None and len(data):
        row = data.iloc[0].to_dict()
        console.print(
            f"Records: {report.counts['young_people']:,} young people, "
            f"{report.counts['stays']:,} stays; child population {row['child_population']:,} "
            f"({row.get('child_population_source', '')})."
        )
        for note in forecasting.data_notes(row):
            console.print(f"[yellow]Note:[/yellow] {note}")
    partial = demand[demand.get("partial_quarter", False) == True]  # noqa: E712
    if len(partial):
        quarters_cut = ", ".join(sorted({pd_quarter(q) for q in partial["quarter_start"]}))
        console.print(
            f"Partial quarters (the forecast covers part of them only): {quarters_cut}; "
            "their flows and costs are for part of the quarter."
        )
    console.print(
        f"Saved forecast run(s) {report.run_ids}; wrote {len(report.tables)} tables and "
        f"forecast.xlsx to {out} (red: more places needed than planned)."
    )


def pd_quarter(value) -> str:  # type: ignore[no-untyped-def]
    """A quarter as people write it, e.g. Apr to Jun 2027 (never "2027 Q2": a council's Q1
    is April to June)."""
    import pandas as pd

    from planner.domain.text import quarter_words

    return quarter_words(pd.Timestamp(value).date(), short=True)


scenario_app = typer.Typer(
    help="Saved forecast scenarios (the catalogue is read-only).", no_args_is_help=True
)


def _range(lv: LeverSpec) -> str:
    return f"{lv.low:g} / {lv.central:g} / {lv.high:g}"


SCENARIO_FIELDS = (
    Field("name", "Name", ref=True),
    Field("title", "Title", in_table=False),
    Field("kind", "Kind", in_table=False),
    Field("lever", "Scenario and its levers"),
    Field("low_central_high", "Range", ref=True),  # whole: "0.1% / 0.12% / 0.14%"
    Field("from", "From", in_table=False),
    Field("description", "Description", in_table=False),
)


@scenario_app.command("list")
def list_command(output: Annotated[OutputFormat, FormatOption] = OutputFormat.table) -> None:
    """The catalogue, then the saved scenarios, each lever as low / central / high.

    CSV has one line per lever (a scenario with no lever has one line with no lever);
    JSON one object per scenario with its levers."""
    from planner.core.db import unit_of_work
    from planner.forecasting import scenarios

    with unit_of_work(migrated_engine()) as session:
        views = scenarios.list_scenarios(session)
    if output == OutputFormat.json:
        print_json(
            [
                {
                    "name": v.name,
                    "kind": "saved" if v.saved else "catalogue",
                    "description": v.description,
                    "levers": [
                        {
                            "lever": f"{lv.kind}:{lv.target}",
                            "low": lv.low,
                            "central": lv.central,
                            "high": lv.high,
                            "from": lv.start,
                        }
                        for lv in v.levers
                    ],
                }
                for v in views
            ]
        )
        return
    from planner.forecasting.service import lever_value, lever_what

    rows, cells = [], []
    for view in views:
        kind = "saved" if view.saved else "catalogue"
        title = view.title or scenarios.scenario_words(view.name)
        for i, lv in enumerate(view.levers or [None]):
            first = i == 0 or output == OutputFormat.csv  # CSV repeats the name on every line
            rows.append(
                {
                    "name": view.name if first else "",
                    "title": title if first else "",
                    "kind": kind if first else "",
                    "lever": f"{lv.kind}:{lv.target}" if lv else "-",  # as --lever takes it
                    "low_central_high": _range(lv) if lv else "-",
                    "from": lv.start.isoformat() if lv and lv.start else "",
                    "description": view.description if first else "",
                }
            )
        # the table, for people: the scenario in words on its first line, then each lever
        # in words with its range, so it reads whole in 80 columns
        saved_words = " (saved)" if view.saved else ""
        cells.append([view.name, f"{title}{saved_words}: {view.description}".rstrip(": "), ""])
        for lv in view.levers:
            what = lever_what(lv.kind, lv.stream, lv.state, lv.destination, lv.start)
            values = " / ".join(lever_value(lv.kind, v) for v in (lv.low, lv.central, lv.high))
            cells.append(["", f"- {what}", values])
    print_listing(
        output,
        SCENARIO_FIELDS,
        rows,
        title="Scenarios (levers: lowest / most likely / highest)",
        cells=cells,
    )


@scenario_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="lower_case_name (3-60 letters, digits, _)")],
    lever: Annotated[
        list[str],
        typer.Option(
            "--lever",
            help="KIND:TARGET:LOW:CENTRAL:HIGH[:START], repeatable; e.g. arrivals:uasc:1.2:1.5:2",
        ),
    ],
    description: Annotated[str, typer.Option(help="What the scenario assumes")] = "",
    title: Annotated[
        str,
        typer.Option(help="The name as people read it, e.g. 'UASC arrivals tripled (2026)'"),
    ] = "",
) -> None:
    """Save a scenario; it can then be run by name (``planner forecast --scenario NAME``);
    pages, files and papers show its title (the name in words when none is given)."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.forecasting import scenarios

    try:
        with unit_of_work(migrated_engine()) as session:
            view = scenarios.create_scenario(
                session,
                name=name,
                title=title,
                description=description,
                levers=[scenarios.parse_lever(text) for text in lever],
                actor=audit.cli_actor(),
            )
    except PlannerError as exc:
        fail(exc.message)
    console.print(f"Saved scenario [b]{view.name}[/b] with {len(view.levers)} lever(s).")


@scenario_app.command("remove")
def remove_command(name: Annotated[str, typer.Argument(help="A saved scenario's name")]) -> None:
    """Remove a saved scenario (forecast runs made with it keep its name)."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.forecasting import scenarios

    try:
        with unit_of_work(migrated_engine()) as session:
            scenarios.delete_scenario(session, name, actor=audit.cli_actor())
    except PlannerError as exc:
        fail(exc.message)
    console.print(f"Removed scenario [b]{name}[/b].")


def places_needed_command(
    state: Annotated[
        str,
        typer.Option(
            "--state",
            help="Placement type, with the lot for framework places "
            "(supported_lodgings, supported_accommodation/care_leavers...)",
        ),
    ],
    through: Annotated[str, typer.Option("--through", help="Up to this date, YYYY-MM-DD")],
    probability: Annotated[
        float, typer.Option(help="Highest acceptable chance of a shortfall")
    ] = 0.05,
    scenario: Annotated[str, typer.Option(help="Catalogue or saved scenario")] = "central",
    runs: Annotated[int, typer.Option(min=50, max=20000, help="Monte Carlo runs")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Records as on YYYY-MM-DD")] = None,
) -> None:
    """How many extra places of a type keep P(shortfall) under a target through a date."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.core.settings import Settings
    from planner.forecasting import places_needed
    from planner.forecasting.service import UnknownScenario

    day = parse_day(as_of) or clock.today()
    end = parse_day(through, "--through")
    if end is None:
        fail("--through: expected a date as YYYY-MM-DD")
    try:
        with unit_of_work(migrated_engine()) as session:
            answer = places_needed.places_needed(
                session,
                placement_type_state=state,
                through=end,
                probability=probability,
                scenario=scenario,
                runs=runs,
                seed=seed,
                as_of=day,
                child_population=Settings().child_population,
                actor=audit.cli_actor(),
            )
    except PlannerError as exc:
        fail(exc.message)
    except UnknownScenario as exc:
        fail(str(exc))
    table = Table(title=f"Places needed: {state} through {end.isoformat()} ({scenario})")
    table.add_column("Measure")
    table.add_column("Value", justify="right")
    for label, value in (
        ("Extra places", f"{answer.extra_places}"),
        ("Places at the date, with the extra", f"{answer.places_at_end}"),
        ("P(shortfall) with planned places", f"{answer.p_shortfall_before:.1%}"),
        ("P(shortfall) with the extra places", f"{answer.p_shortfall_after:.1%}"),
        ("Standard error of that chance", f"{answer.p_shortfall_after_se:.1%}"),
        (
            "Extra places over resamples of the runs (9 in 10)",
            f"{answer.extra_places_low} to {answer.extra_places_high}",
        ),
        ("Needed from", answer.needed_from_words or "not needed"),
        ("Target", f"{answer.probability:.1%}"),
        (
            "Unsuitable for want of a place, with the extra (mean, worst quarter)",
            f"{answer.for_want_of_a_place_mean_after:.1f}",
        ),
        ("Runs", f"{answer.runs}"),
    ):
        table.add_row(label, value)
    console.print(table)
    console.print(answer.sentence())


app.add_typer(scenario_app, name="scenario")
app.command("places-needed")(places_needed_command)


DataOption = Annotated[
    Path,
    typer.Option("--data", help="Folder with the DfE CSVs (la_care_leavers_accommodation_...)"),
]


def _load(data: Path):  # type: ignore[no-untyped-def]
    from planner.forecasting.published import PublishedStatsError, load_care_leaver_counts

    try:
        return load_care_leaver_counts(data)
    except PublishedStatsError as exc:
        fail(str(exc))


def forecast_published_command(
    data: DataOption,
    origin: Annotated[int, typer.Option("--origin", help="Last year of data to use")],
    horizon: Annotated[int, typer.Option("--horizon", help="Years to forecast")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
) -> None:
    """Forecast care leavers (total and in unsuitable accommodation) for every council: each
    age group and measure on the model where it beat "same as last year" in the forecasts
    made before the origin, otherwise on "same as last year" (said in the output)."""
    from forecasts.published_groups import forecast_by_group

    if horizon < 1 or horizon > 10:
        fail("--horizon must be between 1 and 10 years")
    counts = _load(data)
    years = sorted(counts["year"].unique())
    if origin not in years:
        fail(f"--origin {origin} is not a year in the data ({years[0]}-{years[-1]})")
    if origin == years[0]:
        fail(f"--origin must leave at least two years of data; the data start in {years[0]}")
    try:
        table, choices = forecast_by_group(counts[counts["year"] <= origin], origin, horizon)
    except ValueError as exc:
        fail(str(exc))
    if not out.parent.exists():
        fail(f"no such folder for --out: {out.parent}")
    table["method"] = table["method"].map(METHOD_WORDS)
    table.round(2).to_csv(out, index=False)
    councils = table["la_code"].nunique()
    console.print(
        f"Wrote {len(table)} rows for {councils} councils, {origin + 1}-{origin + horizon}, "
        f"to {out} (data up to {origin} only)."
    )
    console.print("Each age group and measure is forecast with:")
    for choice in choices.values():
        console.print(f"  {choice.words()}")


METHOD_WORDS = {"model": "model", "naive": "same as last year"}


GROUP_COLUMNS = [
    "age_group",
    "measure",
    "horizon",
    "methods",
    "forecasts",
    "mase",
    "bias",
    "coverage_50",
    "coverage_80",
    "coverage_95",
]


def forecast_backtest_published_command(
    data: DataOption,
    output: Annotated[OutputFormat, FormatOption] = OutputFormat.table,
    groups: Annotated[
        bool,
        typer.Option(
            "--groups",
            help="With --format csv or json: the per-group table (the forecast as published)",
        ),
    ] = False,
) -> None:
    """Backtest the published-statistics forecast on every council and year: the model
    itself, then each age group and measure as published (model or "same as last year",
    chosen at each origin by the forecasts made before it), with its intervals' coverage."""
    from forecasts.published import backtest_published, published_accuracy

    counts = _load(data)
    try:
        if groups and output != OutputFormat.table:  # the per-group table alone, for scripts
            per_group, _ = _per_group(counts)
            rows = per_group[GROUP_COLUMNS].to_dict("records")
            print_listing(output, [Field(c, c) for c in GROUP_COLUMNS], rows)
            return
        accuracy = published_accuracy(backtest_published(counts))
        if output == OutputFormat.table:
            per_group, choices = _per_group(counts)
    except ValueError as exc:
        fail(str(exc))
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
    if output != OutputFormat.table:  # the figures unrounded, for scripts
        print_listing(output, [Field(c, c) for c in columns], accuracy[columns].to_dict("records"))
        return
    wide = Console(width=max(console.width, 170))  # wide tables: never truncate them
    table = Table(title="Aggregate-mode backtest (annual, all councils; MASE against naive)")
    for col in columns:
        table.add_column(col, justify="left" if col in {"measure", "age_group"} else "right")
    for _, row in accuracy.iterrows():
        table.add_row(*(_backtest_cell(col, row[col]) for col in columns))
    wide.print(table)
    table = Table(
        title=(
            "Per age group and measure, as published: the model where it beat naive in the "
            "forecasts made before each origin, else naive (same as last year); suppressed "
            "outcomes scored as 1-5, weight 1/5 each"
        )
    )
    for col in GROUP_COLUMNS:
        table.add_column(
            col, justify="left" if col in {"measure", "age_group", "methods"} else "right"
        )
    for _, row in per_group.iterrows():
        table.add_row(*(_backtest_cell(col, row[col]) for col in GROUP_COLUMNS))
    wide.print(table)
    wide.print(group_targets_text(per_group.attrs["targets"]))
    latest = max(choices)
    wide.print(f"Forecasts from {latest} (planner forecast-published) use, for each group:")
    for choice in choices[latest].values():
        wide.print(f"  {choice.words()}")


def _per_group(counts):  # type: ignore[no-untyped-def]
    """The per-group backtest's table (with the methods each origin used, in words) and each
    origin's choices."""
    from forecasts.published_groups import backtest_by_group, group_accuracy, group_targets

    rows, choices = backtest_by_group(counts)
    per_group = group_accuracy(rows)
    per_group.attrs["targets"] = group_targets(rows)
    per_group["methods"] = [
        _methods_in_words(choices, age, measure, horizon, rows)
        for age, measure, horizon in zip(
            per_group["age_group"], per_group["measure"], per_group["horizon"], strict=True
        )
    ]
    return per_group, choices


def group_targets_text(targets) -> str:  # type: ignore[no-untyped-def]
    """The per-group targets in words: met everywhere, or each miss and why."""
    lines = [
        "Against the per-group targets (MASE at most 1; each interval within 5 points of "
        "its level):"
    ]
    for rec in targets.to_dict("records"):
        if rec["mase_met"] and rec["coverage_met"]:
            continue
        ahead = f"{rec['horizon']} year{'s' if rec['horizon'] > 1 else ''} ahead"
        parts = [] if rec["mase_met"] else [f"MASE {rec['mase']:.3f}"]
        parts += [rec["why"]] if rec["why"] else []
        lines.append(f"  {rec['age_group']}, {rec['measure']}, {ahead}: " + "; ".join(parts))
    if len(lines) == 1:
        lines.append("  met by every age group, measure and horizon")
    else:
        lines.append("  met elsewhere")
    return "\n".join(lines)


def _backtest_cell(col: str, value: object) -> str:
    if col in {"measure", "age_group", "methods"}:
        return str(value)
    if col in {"horizon", "forecasts"}:
        return str(int(value))  # type: ignore[call-overload]
    if col.startswith("coverage") or col.startswith("wape"):
        return f"{value:.1%}"
    return f"{value:.3f}"


def _methods_in_words(choices, age: str, measure: str, horizon: int, rows) -> str:  # type: ignore[no-untyped-def]
    """Which method each scored origin used for this group, e.g. "naive 2021; model 2022-23"."""
    scored = sorted(
        int(o)
        for o in rows.loc[
            (rows["age_group"] == age)
            & (rows["measure"] == measure)
            & (rows["horizon"] == horizon),
            "origin",
        ].unique()
    )
    parts: list[tuple[str, list[int]]] = []
    for origin in scored:
        method = choices[origin][(age, measure)].method
        if parts and parts[-1][0] == method:
            parts[-1][1].append(origin)
        else:
            parts.append((method, [origin]))
    return "; ".join(
        f"{method} {years[0]}" + (f"-{years[-1]}" if len(years) > 1 else "")
        for method, years in parts
    )


BACKTEST_COLUMNS = (
    "state",
    "horizon_quarters",
    "forecasts",
    "mase",
    "mase_seasonal",
    "mase_microsim",
    "bias",
    "coverage_50",
    "coverage_80",
    "coverage_95",
    "crps",
    "mae",
)


def forecast_backtest_command(
    origins: Annotated[
        int, typer.Option(min=1, max=12, help="Forecast origins, a quarter apart")
    ] = 4,
    horizon: Annotated[int, typer.Option(min=1, max=12, help="Quarters ahead")] = 4,
    out: Annotated[
        Path | None, typer.Option(help="Folder for backtest_rows.csv and accuracy.csv")
    ] = None,
    output: Annotated[OutputFormat, FormatOption] = OutputFormat.table,
    runs: Annotated[int, typer.Option(min=50, max=5000, help="Monte Carlo runs per origin")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Records as on YYYY-MM-DD")] = None,
) -> None:
    """Backtest the forecast on the council's own records: rolling origins, each using only
    what was known then; MASE against naive and seasonal naive, bias, coverage, CRPS."""
    from planner.core.db import unit_of_work
    from planner.core.settings import Settings
    from planner.forecasting import service as forecasting

    day = parse_day(as_of) or clock.today()
    try:
        with unit_of_work(migrated_engine()) as session:
            result = forecasting.backtest_records(
                session,
                origins=origins,
                horizon=horizon,
                runs=runs,
                seed=seed,
                as_of=day,
                child_population=Settings().child_population,
            )
    except PlannerError as exc:
        fail(exc.message)
    table = result.by_state.copy()
    table["state"] = [forecasting.model_state_label(s) for s in table["state"]]
    overall = result.overall.assign(state="All types")
    table = pd_concat([table, overall])
    columns = [c for c in BACKTEST_COLUMNS if c in table.columns]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        result.rows.to_csv(out / "backtest_rows.csv", index=False)
        table[columns].to_csv(out / "accuracy.csv", index=False)
        if result.choices is not None:
            result.choices.to_csv(out / "forecast_used.csv", index=False)
        if result.targets is not None:
            result.targets.to_csv(out / "targets.csv", index=False)
    if output != OutputFormat.table:
        print_listing(output, [Field(c, c) for c in columns], table[columns].to_dict("records"))
        return
    origins_text = ", ".join(d.isoformat() for d in result.origins)
    grid = Table(
        title=f"Backtest on the records: origins {origins_text}; {result.horizon} quarters "
        f"ahead; {result.runs} runs (MASE below 1 beats the naive forecast)"
    )
    for col in columns:
        grid.add_column(col, justify="left" if col == "state" else "right")
    for row in table[columns].to_dict("records"):
        cells = []
        for col in columns:
            value = row[col]
            if col == "state":
                cells.append(str(value))
            elif col in {"horizon_quarters", "forecasts"}:
                cells.append(str(int(value)) if value == value else "all")
            elif col.startswith("coverage"):
                cells.append(f"{value:.0%}")
            else:
                cells.append(f"{value:.2f}" if value == value else "-")
        grid.add_row(*cells)
    wide = Console(width=max(console.width, 150))
    wide.print(grid)
    if result.choices is not None and len(result.choices):
        used = Table(
            title="Forecast used for each type (chosen on forecasts scored before the "
            "latest origin; mase_microsim is the forecast model alone)"
        )
        used.add_column("state")
        used.add_column("forecast used")
        used.add_column("why")
        for rec in result.choices.to_dict("records"):
            used.add_row(
                forecasting.model_state_label(rec["state"]),
                forecasting.forecast_used_words(rec["model"]),
                forecasting.forecast_reason_words(rec["reason"]),
            )
        wide.print(used)
    if result.targets is not None and len(result.targets):
        wide.print(targets_text(result.targets))


def targets_text(targets) -> str:  # type: ignore[no-untyped-def]
    """The backtest against the targets (MASE below 0.9, the 80% range holding 75-85% of
    the counts), one line per horizon, with why where a target is missed."""
    from forecasts.backtest import COVERAGE_TOLERANCE, MASE_TARGET

    lines = [
        f"Against the targets (MASE below {MASE_TARGET}; the 80% range holding "
        f"{0.8 - COVERAGE_TOLERANCE:.0%} to {0.8 + COVERAGE_TOLERANCE:.0%} of the counts):"
    ]
    for rec in targets.to_dict("records"):
        h = int(rec["horizon_quarters"])
        ahead = f"{h} quarter{'s' if h > 1 else ''} ahead"
        if rec["met"]:
            lines.append(
                f"  {ahead}: met (MASE {rec['mase']:.2f}, 80% range held {rec['coverage_80']:.0%})"
            )
        else:
            why = str(rec["why"])
            lines.append(f"  {ahead}: not met. {why[:1].upper()}{why[1:]}.")
    return "\n".join(lines)


def pd_concat(frames):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


app.command("forecast-backtest")(forecast_backtest_command)
app.command("forecast-published")(forecast_published_command)
app.command("forecast-backtest-published")(forecast_backtest_published_command)

"""Papers: the exception reports as tagged PDF, rendered from the pages' templates, with
trends read back from the records; the board's names no young person."""

from __future__ import annotations

import io
from datetime import date, timedelta

import factories
from demo_db import DEMO_AS_OF, copy_demo
from pypdf import PdfReader
from sqlmodel import select
from typer.testing import CliRunner

from planner.cli import app
from planner.core import clock
from planner.domain import PlacementType, Role
from planner.escalations.service import build_report, record_action, sweep
from planner.reports import papers
from planner.reports.trends import month_ends, trends, week_ends

AS_OF = date(2024, 3, 31)
# the summary line of the exit plans: agreed, or a move somewhere suitable planned
EXIT_PLANS = "With an exit plan (agreed, or a move planned)"


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _structure(node, found: list) -> list:
    """Every structure element under ``node`` of the PDF's structure tree, depth first."""
    node = node.get_object()
    if isinstance(node, list):
        for kid in node:
            _structure(kid, found)
    elif hasattr(node, "keys"):
        if "/S" in node:
            found.append(node)
        if "/K" in node:
            _structure(node["/K"], found)
    return found


def assert_tagged_pdf_ua(pdf: bytes, *, title: str, figures: int) -> None:
    """What PDF/UA-1 asks of a paper that a screen reader relies on, read with pypdf: a
    structure tree with headings, tables and figures, marked content, the document's
    language and title (shown as the window title), and alternative text on each figure."""
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    # then the council's name, when PLANNER_COUNCIL_NAME is set (not in these tests)
    assert reader.metadata.title == title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp  # claims PDF/UA-1
    elements = _structure(root["/StructTreeRoot"], [])
    kinds = {str(e["/S"]) for e in elements}
    assert {"/Document", "/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= kinds, kinds
    alts = [str(e.get("/Alt", "")) for e in elements if e["/S"] == "/Figure"]
    assert len(alts) == figures and all(alt.strip() for alt in alts), alts


def _council(session):
    """Six young people in unsuitable accommodation on AS_OF (one moved out last week)."""
    with clock.frozen(AS_OF):
        adviser = factories.user(session, role=Role.personal_adviser, username="pa-paper")
        people = []
        for k in range(6):
            person = factories.young_person(session, age=19, personal_adviser_id=adviser.id)
            factories.stay(
                session,
                young_person=person,
                placement_type=PlacementType.bed_and_breakfast,
                start_date=AS_OF - timedelta(days=10 + 7 * k),
            )
            people.append(person)
        moved = factories.young_person(session, age=20)
        factories.stay(
            session,
            young_person=moved,
            placement_type=PlacementType.sofa_surfing,
            start_date=AS_OF - timedelta(days=40),
            end_date=AS_OF - timedelta(days=5),
        )
        factories.stay(session, young_person=moved, start_date=AS_OF - timedelta(days=5))
        people.append(moved)
    return people


def test_trends_are_recomputed_from_the_records_at_each_period_end(session):
    _council(session)
    with clock.frozen(AS_OF - timedelta(days=20)):
        sweep(session, today=AS_OF - timedelta(days=20), actor="test")
    with clock.frozen(AS_OF):
        sweep(session, today=AS_OF, actor="test")
    points = trends(session, audience="director", as_of=AS_OF)
    assert [p.period_end for p in points] == week_ends(AS_OF)
    assert len(points) == 12 and points[-1].period_end == AS_OF
    # on AS_OF: the six in B&B (the sofa surfer moved 5 days ago)
    assert points[-1].in_unsuitable == 6
    assert points[-1].average_days == round(sum(10 + 7 * k for k in range(6)) / 6)
    # a week earlier the sofa surfer was still there too; two weeks before, the newest B&B
    # stay had not started
    assert points[-2].in_unsuitable == 7 and points[-3].in_unsuitable == 6
    # the sofa surfer's move closed its escalation in the last week: one exit achieved
    assert points[-1].exits == 1 and points[-2].exits == 0
    # nobody was supervised, but the planner opened the escalations 20 days ago at the
    # earliest (never back-dated to the stays' starts), so none is overdue yet
    assert points[-1].supervision_percent == 100
    board = trends(session, audience="board", as_of=AS_OF)
    assert [p.period_end for p in board] == month_ends(AS_OF)
    assert board[-1].in_unsuitable == 6
    assert board[-1].exits is None  # 1 exit: a small number, withheld from the board
    assert board[-2].in_unsuitable is None  # 29 February: 4 young people, withheld


def test_a_new_councils_trends_invent_no_history(session):
    """A council starting today with long unsuitable stays and moves recorded in its past:
    the weeks and months before its first day have no escalation open, so supervision reads
    "none open" (never 100%, never 0% for weeks nobody could supervise); the exits are the
    moves out of unsuitable accommodation the stays record, escalation or not."""
    first_day = AS_OF
    with clock.frozen(first_day):
        for k in range(6):  # six long stays in B&B, 100 to 150 days
            factories.stay(
                session,
                young_person=factories.young_person(session, age=19),
                placement_type=PlacementType.bed_and_breakfast,
                start_date=first_day - timedelta(days=100 + 10 * k),
            )
        for k in range(5):  # five moved from B&B to somewhere suitable 10 days ago
            person = factories.young_person(session, age=19)
            factories.stay(
                session,
                young_person=person,
                placement_type=PlacementType.bed_and_breakfast,
                start_date=first_day - timedelta(days=60),
                end_date=first_day - timedelta(days=10),
            )
            factories.stay(session, young_person=person, start_date=first_day - timedelta(days=10))
        sweep(session, today=first_day, actor="test")
        director = trends(session, audience="director", as_of=first_day)
        board = trends(session, audience="board", as_of=first_day)
        report = build_report(session, audience="board", today=first_day, actor="test")
        html = papers.exception_paper_html(session, report)
    before = director[:-1]
    assert all(p.none_open and p.supervision_percent is None for p in before)
    assert director[-1].supervision_percent == 100 and not director[-1].none_open
    assert [p.exits for p in director[-2:]] == [5, 0]
    assert board[-1].exits == 5 and board[-2].in_unsuitable == 11
    assert board[-2].none_open and board[-2].supervision_percent is None
    assert "none open" in html and '<td class="govuk-table__cell--numeric">0%' not in html
    rows = html.split("Trends by month end")[1]
    assert rows.count("100%") == 1  # only today's month end, when 6 escalations are open


def test_the_board_withholds_below_the_one_small_number_setting(session, monkeypatch):
    """PLANNER_SMALL_NUMBER is the one threshold: raised to 7, the board's 6 is withheld
    too, and the paper says "fewer than 7"."""
    from planner.core.settings import get_settings

    _council(session)
    monkeypatch.setenv("PLANNER_SMALL_NUMBER", "7")
    get_settings.cache_clear()
    try:
        with clock.frozen(AS_OF):
            board = trends(session, audience="board", as_of=AS_OF)
            report = build_report(session, audience="board", today=AS_OF, actor="test")
            html = papers.exception_paper_html(session, report)
        assert board[-1].in_unsuitable is None
        assert "fewer than 7" in html and "Counts from 1 to 6" in html
        assert "fewer than 5" not in html
    finally:
        get_settings.cache_clear()


def test_supervision_in_the_trail_counts_from_its_day(session):
    people = _council(session)
    with clock.frozen(AS_OF - timedelta(days=40)):  # two stays then: opened that day
        sweep(session, today=AS_OF - timedelta(days=40), actor="test")
    with clock.frozen(AS_OF):
        sweep(session, today=AS_OF, actor="test")
        from planner.escalations.queries import queue

        for item in queue(session, today=AS_OF):
            record_action(
                session,
                escalation_id=item.escalation_id,
                expected_version=item.version,
                kind="supervision",
                on=AS_OF - timedelta(days=1),
                actor="test",
            )
    points = trends(session, audience="director", as_of=AS_OF)
    assert points[-1].supervision_percent == 100
    assert points[-2].supervision_percent < 100  # not yet supervised a week before
    assert people


def test_the_board_paper_is_a_tagged_pdf_with_the_page_figures_and_no_reference(session):
    people = _council(session)
    with clock.frozen(AS_OF - timedelta(days=30)):  # the three longest stays escalated then
        sweep(session, today=AS_OF - timedelta(days=30), actor="test")
    with clock.frozen(AS_OF):
        report = build_report(session, audience="board", today=AS_OF, actor="test")
        name, pdf = papers.export_exception_paper(
            session, report_id=report.id, fmt="pdf", actor="test"
        )
        html = papers.exception_paper_html(session, report)
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert_tagged_pdf_ua(pdf, title="Exception report to the Corporate Parenting Board", figures=4)
    assert 1 <= len(reader.pages) <= 4
    text = _pdf_text(pdf)
    totals = papers.report_context(report)["totals"]
    assert "In unsuitable accommodation 6 (aged 16-17: 0)" in text
    # 3 of the 6 overdue for supervision: a small number, so the share (50%) is withheld,
    # in the summary and in the trends
    assert totals["supervision_within_4_weeks_percent"] == 50
    assert "not shown (target 100%)" in text and "50%" not in text
    assert f"{totals['longest_days']} days" in text
    assert "Trends over the last 12 months" in text and "fewer than 5" in text
    for person in people:
        assert person.reference not in text and person.reference not in html
    assert "pa-paper" not in text
    # the paper's figures are the page's: the same body template
    assert html.count('class="govuk-summary-list__row') == 5
    assert "<svg" in html and 'role="img"' in html


def test_the_director_paper_names_references_and_has_the_trend_charts(session):
    people = _council(session)
    with clock.frozen(AS_OF):
        report, name, pdf = papers.make_exception_paper(
            session, audience="director", fmt="pdf", actor="test", today=AS_OF
        )
    text = _pdf_text(pdf)
    assert all(p.reference in text for p in people[:6])
    assert "Trends over the last 12 weeks" in text
    for title in ("Average days there", "Management supervision within 4 weeks", "Exits achieved"):
        assert title in text
    assert report.audience == "director" and name.endswith(".pdf")


def test_planner_report_board_format_pdf_on_the_demo(tmp_path, demo_template):
    assert DEMO_AS_OF == AS_OF
    url = copy_demo(demo_template, tmp_path)  # `planner demo --as-of 2024-03-31`, built once
    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": url, "COLUMNS": "200"}
    out = tmp_path / "board.pdf"
    made = runner.invoke(
        app,
        ["report", "board", "--format", "pdf", "--out", str(out), "--as-of", AS_OF.isoformat()],
        env=env,
    )
    assert made.exit_code == 0, made.output
    html = tmp_path / "board.html"
    runner.invoke(
        app,
        ["report", "board", "--format", "html", "--out", str(html), "--as-of", AS_OF.isoformat()],
        env=env,
    )
    import re

    text = _pdf_text(out.read_bytes())
    reader = PdfReader(str(out))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    figures = re.search(r"In unsuitable accommodation (\d+) \(aged 16-17: (\d+)\)", text)
    assert figures and f"{figures.group(1)} (aged 16-17: {figures.group(2)})" in html.read_text()
    from planner.core.db import get_engine, unit_of_work
    from planner.models import YoungPerson

    with unit_of_work(get_engine(url)) as session:
        references = [p.reference for p in session.exec(select(YoungPerson)).all()]
    assert references and not any(r in text for r in references)
    assert not any(r in html.read_text() for r in references)
    csv = tmp_path / "board.csv"
    runner.invoke(app, ["report", "board", "--format", "csv", "--out", str(csv)], env=env)
    assert csv.read_text().startswith("case,age_band")
    refused = runner.invoke(app, ["report", "forecast", "--out", str(out)], env=env)
    assert refused.exit_code == 2 and "name the saved forecast run" in refused.output


def test_a_paper_is_rendered_once_for_the_same_html_and_again_when_it_changes(monkeypatch):
    """Downloads of an unchanged paper reuse its PDF; any change to the HTML (a record, a
    run, a restored database) makes a new one, so a kept paper is never stale."""
    from weasyprint import HTML

    made = []
    real = HTML.write_pdf
    monkeypatch.setattr(HTML, "write_pdf", lambda self, **kw: made.append(1) or real(self, **kw))
    page = '<html lang="en-GB"><head><title>t</title></head><body><p>{}</p></body></html>'
    first = papers.pdf_from_html(page.format("one"))
    assert papers.pdf_from_html(page.format("one")) is first and len(made) == 1
    papers.pdf_from_html(page.format("two"))
    assert len(made) == 2


def _in_bnb(session, days: int, age: int = 19):
    person = factories.young_person(session, age=age)
    factories.stay(
        session,
        young_person=person,
        placement_type=PlacementType.bed_and_breakfast,
        start_date=AS_OF - timedelta(days=days),
    )
    return person


def _board(session):
    """The board's report on AS_OF: its page and paper context, paper, CSV and Markdown."""
    from planner.escalations.service import export_report, report_markdown

    with clock.frozen(AS_OF):
        report = build_report(session, audience="board", today=AS_OF, actor="test")
        context = papers.report_context(report)
        html = papers.exception_paper_html(session, report)
        _, csv = export_report(session, report_id=report.id, actor="test", fmt="csv")
    return dict(context["summary"]), context, html, csv.decode(), report_markdown(report)


def test_the_boards_summary_withholds_small_counts_and_what_would_give_them_away(session):
    """Seven young people in bed and breakfast: five for 5 days (service manager), two for
    60 days (director). The two are withheld, and so are the five: 7 less 5 is 2. Two of
    the seven are overdue for supervision, so the share (71%) is withheld too."""
    with clock.frozen(AS_OF):
        for _ in range(5):
            _in_bnb(session, days=5)
        for _ in range(2):
            _in_bnb(session, days=60)
    with clock.frozen(AS_OF - timedelta(days=50)):  # the two long stays escalated then
        sweep(session, today=AS_OF - timedelta(days=50), actor="test")
    summary, context, html, csv, markdown = _board(session)
    assert context["totals"]["by_level"] == {
        "team manager": 0,
        "service manager": 5,
        "head of service": 0,
        "director": 2,
    }
    assert summary["In unsuitable accommodation"] == "7 (aged 16-17: 0)"
    levels = "team manager 0, service manager not shown, head of service 0, director fewer than 5"
    assert summary["By level"] == levels
    assert summary["Management supervision within 4 weeks"] == "not shown (target 100%)"
    assert summary[EXIT_PLANS] == "0%"
    for shown in (html, markdown):
        assert levels in shown and "service manager 5" not in shown and "director 2" not in shown
    assert csv.count("\n") == 8  # the seven lettered cases are listed: 7 is not small
    # the director's report, which stays inside the service, shows every figure
    with clock.frozen(AS_OF):
        director = build_report(session, audience="director", today=AS_OF, actor="test")
    summary = dict(papers.report_context(director)["summary"])
    assert summary["By level"] == "team manager 0, service manager 5, head of service 0, director 2"


def test_the_boards_cases_leave_out_the_columns_that_would_count_a_withheld_figure(session):
    """Six young people, one aged 17, all escalated today and none overdue: the summary
    withholds "aged 16-17" (1) and the levels; the lettered cases, on the page, in the paper,
    the Markdown and the CSV, then leave out the age band and the level, which would count
    them, and say so; exit plans (0 of 6) and supervision (6 of 6) stay."""
    with clock.frozen(AS_OF):
        for _ in range(5):
            _in_bnb(session, days=5)
        _in_bnb(session, days=5, age=17)
    summary, context, html, csv, markdown = _board(session)
    assert summary["In unsuitable accommodation"] == "6 (aged 16-17: fewer than 5)"
    assert context["columns"] == [
        "case",
        "placement_type",
        "days",
        "exit_plan",
        "supervision_up_to_date",
    ]
    note = "Age band and level are left out of the cases"
    for shown in (html, markdown):
        assert note in shown and "16-17 |" not in shown and "18-20" not in shown
        assert "Age band</th>" not in shown and "age band |" not in shown
        assert "Level</th>" not in shown and "| level |" not in shown
    assert csv.splitlines()[0] == "case,placement_type,days,exit_plan,supervision_up_to_date"
    assert len(csv.splitlines()) == 7


def test_the_boards_few_cases_are_neither_counted_nor_listed(session):
    """Three young people (one aged 17): the total is withheld, with every figure built on
    it and the list of cases, which would count them."""
    with clock.frozen(AS_OF):
        people = [_in_bnb(session, days=10), _in_bnb(session, days=10), _in_bnb(session, 3, 17)]
    summary, context, html, csv, markdown = _board(session)
    assert summary == {
        "In unsuitable accommodation": "fewer than 5 (aged 16-17: not shown)",
        "Management supervision within 4 weeks": "not shown (target 100%)",
        EXIT_PLANS: "not shown",
        "Longest there": "not shown",
        "By level": "team manager 0, service manager 0, head of service fewer than 5, "
        "director fewer than 5",
    }
    assert context["rows"] == [] and context["cases_withheld"]
    assert "too few young people" in html and "Cases in the report" not in html
    assert csv.strip() == "case"  # the download lists no case either
    assert "fewer than 5 (aged 16-17: not shown)" in markdown and "| case |" not in markdown
    for person in people:
        assert person.reference not in html + csv + markdown


def test_the_directors_markdown_writes_dates_in_words_and_the_csv_keeps_them_sortable(
    session,
):
    """Markdown is read by people, like the paper: supervision due and the exit plan target
    read "28 April 2024", never "2024-04-28"; the CSV (data) keeps the ISO day."""
    import re

    from planner.escalations.service import export_report, report_markdown

    _council(session)
    with clock.frozen(AS_OF):
        report = build_report(session, audience="director", today=AS_OF, actor="test")
        markdown = report_markdown(report)
        _, csv = export_report(session, report_id=report.id, actor="test", fmt="csv")
    due = AS_OF + timedelta(days=28)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", markdown), markdown
    assert "| 28 April 2024 |" in markdown and "on 31 March 2024." in markdown
    assert due.isoformat() in csv.decode()


def test_a_report_with_no_one_in_unsuitable_accommodation_shows_no_share(session):
    """Nobody in unsuitable accommodation: supervision and exit plans have no share to show
    (never "100%"), for the director and the board alike."""
    with clock.frozen(AS_OF):
        for audience in ("director", "board"):
            report = build_report(session, audience=audience, today=AS_OF, actor="test")
            summary = dict(papers.report_context(report)["summary"])
            assert summary["In unsuitable accommodation"] == "0 (aged 16-17: 0)"
            assert summary["Management supervision within 4 weeks"].startswith("none: no one")
            assert summary[EXIT_PLANS].startswith("none: no one")
            html = papers.exception_paper_html(session, report)
            assert "100% (target" not in html and "none: no one in unsuitable" in html

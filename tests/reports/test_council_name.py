"""Pages and papers carry the council's own name (PLANNER_COUNCIL_NAME), and none at all when
it is not set: never another council's, nor an example's."""

from __future__ import annotations

from planner.reports.templating import make_environment

PAPER = "paper.html"


def _paper(env_name: str | None, monkeypatch) -> str:
    if env_name is None:
        monkeypatch.delenv("PLANNER_COUNCIL_NAME", raising=False)
    else:
        monkeypatch.setenv("PLANNER_COUNCIL_NAME", env_name)
    env = make_environment()
    css = env.get_template("paper.css").render(paper_title="Exception report")
    html = env.get_template(PAPER).render(paper_title="Exception report", body="", css="")
    return css + html


def test_a_paper_carries_the_councils_own_name(monkeypatch):
    text = _paper("Dorset Council", monkeypatch)
    assert "Dorset Council: Care Leaver Service" in text
    assert 'content: "Dorset Council: Exception report"' in text


def test_a_paper_names_no_council_when_none_is_set(monkeypatch):
    text = _paper(None, monkeypatch)
    assert "Example Council" not in text
    assert '<header class="paper-masthead">Care Leaver Service</header>' in text
    assert 'content: "Exception report"' in text
    assert "<title>Exception report</title>" in text

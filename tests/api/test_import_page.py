"""The administrator's import page: several 903 files uploaded at once go through the same
import service as ``planner import-903``; a refused import lists every problem with its file,
line and column and changes nothing; the quarantine choice imports the other rows."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select
from webseed import csrf_of, sign_in

from planner.core.db import get_engine
from planner.models import AuditEvent, YoungPerson

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
    "PL_POST,URN\n"
)


def _files(bad_sex: str = "F") -> list[tuple[str, tuple[str, bytes, str]]]:
    header = HEADER + "R9001,F,01/06/2008,WBRI,,,\n" + f"R9002,{bad_sex},01/09/2008,WBRI,,,\n"
    episodes = EPISODES + (
        "R9001,01/01/2024,S,C2,N1,U1,PR1,,,,,,\nR9002,01/01/2024,S,C2,N1,U1,PR1,,,,,,\n"
    )
    return [
        ("files", ("2025_header.csv", header.encode(), "text/csv")),
        ("files", ("2025_episodes.csv", episodes.encode(), "text/csv")),
    ]


def _people(url: str) -> int:
    with Session(get_engine(url)) as session:
        return session.exec(select(func.count()).select_from(YoungPerson)).one()


def test_an_administrator_imports_903_files_and_a_refusal_changes_nothing(
    client: TestClient, web_db
):
    council = web_db.council
    admin = council.by_role["administrator"]
    sign_in(client, admin, council.passwords[admin])
    form = client.get("/imports")
    assert form.status_code == 200 and 'type="file"' in form.text and "multiple" in form.text
    token = csrf_of(form.text)
    before = _people(web_db.url)

    # a SEX code not valid in 2024/25: refused, listed by file, line and column; nothing in
    refused = client.post(
        "/imports",
        data={"csrf_token": token, "kind": "903", "on_problem": "refuse"},
        files=_files(bad_sex="X"),
    )
    assert refused.status_code == 422
    assert "Nothing was imported" in refused.text
    assert (
        "2025_header.csv" in refused.text
        and '<td class="govuk-table__cell">SEX</td>' in refused.text
    )
    assert "rule 101" in refused.text
    assert _people(web_db.url) == before
    with Session(get_engine(web_db.url)) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "import_903_refused")
        ).one()
        assert event.actor == admin and "R9002" not in (event.detail or "")

    # the same files with quarantine: the good child is imported, the bad row listed
    kept = client.post(
        "/imports",
        data={"csrf_token": token, "kind": "903", "on_problem": "quarantine"},
        files=_files(bad_sex="X"),
    )
    assert kept.status_code == 200 and "Import complete" in kept.text
    assert "Rows left out" in kept.text and "rule 101" in kept.text
    assert _people(web_db.url) == before + 1

    # no files, or a file that is not CSV: refused beside the upload
    empty = client.post(
        "/imports", data={"csrf_token": token, "kind": "903", "on_problem": "refuse"}
    )
    assert empty.status_code == 422 and "Select the 903 or SSD CSV files" in empty.text
    not_csv = client.post(
        "/imports",
        data={"csrf_token": token, "kind": "903", "on_problem": "refuse"},
        files=[("files", ("notes.txt", b"hello", "text/plain"))],
    )
    assert not_csv.status_code == 422 and "is not a CSV file" in not_csv.text


def test_only_administrators_reach_the_import_page(client: TestClient, web_db):
    council = web_db.council
    manager = council.by_role["manager"]
    sign_in(client, manager, council.passwords[manager])
    assert client.get("/imports").status_code == 403

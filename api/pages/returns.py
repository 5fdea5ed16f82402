"""The administrator's page for loading the council's SSDA903 or SSD files.

The same import services as ``planner import-903`` and ``planner import-ssd``: the uploaded
files are written to a private temporary folder and read there (tables recognised by their
columns, never by file name). The import runs in a savepoint, so a refused import changes
nothing; the refusal is audited (counts only) and every problem is listed with its file,
line, column and the rule it breaks. The page shows counts, never a young person's record.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from api.deps import CheckedForm, DbSession, Principal, allowed
from api.templating import render
from planner.core.errors import InvalidInput
from planner.core.settings import Settings
from planner.domain.permissions import Permission as P
from planner.returns import rules, service, ssd

router = APIRouter(include_in_schema=False)

MAX_FILES = 60  # a 903 return is 10-12 tables a year; five years with room to spare
MAX_BYTES = 50 * 1024 * 1024  # all files together
REFUSED = {"903": "import_903_refused", "ssd": "import_ssd_refused"}
KINDS = {"903": "SSDA903 return", "ssd": "Standard Safeguarding Dataset extract"}


def _page(request: Request, **context: Any) -> Response:
    status = context.pop("status_code", 200)
    form = context.setdefault("form", {})
    form.setdefault("kind", "903")
    form.setdefault("on_problem", "refuse")
    context.setdefault("errors", {})
    return render(
        request, "imports.html", {"title": "Import returns", "kinds": KINDS, **context},
        status_code=status,
    )  # fmt: skip


@router.get("/imports")
def imports_page(
    request: Request, principal: Annotated[Principal, allowed(P.import_returns)]
) -> Response:
    return _page(request)


async def _save_uploads(request: Request, folder: Path) -> int:
    """Write the uploaded CSV files into ``folder`` (base names only); how many."""
    uploads = [f for f in (await request.form()).getlist("files") if isinstance(f, UploadFile)]
    uploads = [f for f in uploads if f.filename]
    if not uploads:
        raise InvalidInput("Select the 903 or SSD CSV files to import.")
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"Select at most {MAX_FILES} files at once.")
    total = 0
    for upload in uploads:
        name = Path(upload.filename or "").name
        if not name.lower().endswith(".csv"):
            raise InvalidInput(f"{name} is not a CSV file: upload the tables as .csv files.")
        content = await upload.read()
        total += len(content)
        if total > MAX_BYTES:
            raise InvalidInput("The files are larger than 50 MB together.")
        target = folder / name
        if target.exists():
            raise InvalidInput(f"Two files are called {name}: rename one.")
        target.write_bytes(content)
    return len(uploads)


@router.post("/imports")
async def import_returns(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.import_returns)],
    form: CheckedForm,
) -> Response:
    """Import the files; the result's counts, or every problem and nothing changed."""
    kind = form.get("kind", "")
    quarantine = form.get("on_problem") == "quarantine"
    actor = principal.user.username
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = "Select what the files are."
    if form.get("on_problem") not in ("refuse", "quarantine"):
        errors["on_problem"] = "Select what to do with rows that have a problem."
    year: int | None = None
    if form.get("year", "").strip():
        text = form["year"].strip()
        if not (text.isdigit() and len(text) == 4 and 2010 <= int(text) <= 2100):
            errors["year"] = "Enter the collection year as 4 digits, like 2025."
        else:
            year = int(text)
    with tempfile.TemporaryDirectory(prefix="planner-import-") as tmp:
        if not errors:
            try:
                await _save_uploads(request, Path(tmp))
            except InvalidInput as exc:
                errors["files"] = exc.message
        if errors:
            return _page(request, form=form, errors=errors, status_code=422)
        try:
            with db.begin_nested():
                if kind == "903":
                    result: Any = service.import_903(
                        db, Path(tmp), actor=actor, year=year, quarantine=quarantine,
                        mapping=rules.load_mapping(Settings().ssda903_mapping),
                    )  # fmt: skip
                else:
                    result = ssd.import_ssd(db, Path(tmp), actor=actor, quarantine=quarantine)
        except service.ReturnRefused as exc:
            service.audit_refusal(
                db, actor=actor, rows=exc.rows, errors=len(exc.errors), action=REFUSED[kind]
            )
            return _page(
                request, form=form, refused=exc.errors, status_code=422,
                errors={"files": f"Nothing was imported: {len(exc.errors):,} problem(s) in "
                        "the files, listed below."},
            )  # fmt: skip
        except InvalidInput as exc:
            service.audit_refusal(db, actor=actor, rows=0, errors=1, action=REFUSED[kind])
            return _page(
                request, form=form, status_code=422,
                errors={"files": f"Nothing was imported: {exc.message}"},
            )  # fmt: skip
    return _page(request, form=form, kind_done=kind, result=result)

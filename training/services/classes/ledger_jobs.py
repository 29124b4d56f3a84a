"""The ledger's XLSX or CSV written in the background (services/jobs.py runs it): a period too
large to write within a request (more than LEDGER_XLSX_ROWS_IN_REQUEST or
LEDGER_CSV_ROWS_IN_REQUEST rows) becomes a job whose page shows its progress and, when done,
a download link for the person who asked."""
from datetime import date
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import ExportJob
from .. import jobs
from ..reports import exports
from . import ledger, ledger_export

KIND = "ledger"
# Rows between two progress updates.
PROGRESS_EVERY = 5000


def params(start: date, end: date, centre_id: int | None, exporter_centre_id: int | None,
           locale: str, timezone: str, fmt: str = "xlsx") -> dict:
    """What a ledger job needs, as JSON: the period and centre, whose numbers are whole, the
    language and time zone of the person who asked, and the format (xlsx or csv)."""
    return {"start": start.isoformat(), "end": end.isoformat(), "centre_id": centre_id,
            "exporter_centre_id": exporter_centre_id, "locale": locale, "timezone": timezone,
            "format": fmt}


def write(target, session: Session, rows_source, start: date, end: date,
          centre_id: int | None, exporter_centre_id: int | None, timezone: str,
          on_row=None) -> None:
    """The ledger workbook: the 台账 sheet (header and one row per attendance, read from
    rows_source, a Session or Connection) and the 汇总 sheet (totals and breakdowns)."""
    rows = ledger_export.ledger_rows(rows_source, start, end, centre_id, exporter_centre_id, timezone)
    if on_row is not None:
        rows = _counted(rows, on_row)
    summary = ledger.build(session, start, end, centre_id)
    rows_title, summary_title = ledger_export.sheet_names()
    exports.write_xlsx(target, [
        (rows_title, ledger_export.header(), rows),
        (summary_title, None, ledger_export.summary_rows(summary)),
    ])


def _counted(rows, on_row):
    for number, row in enumerate(rows, 1):
        yield row
        on_row(number)


@jobs.register(KIND)
def run(session: Session, job: ExportJob, path: Path) -> None:
    """Write the job's workbook to path, reporting progress every PROGRESS_EVERY rows. Rows are
    read on a connection of their own, so the progress commits do not end their cursor."""
    p = job.params
    start, end = date.fromisoformat(p["start"]), date.fromisoformat(p["end"])

    def on_row(number: int) -> None:
        if number % PROGRESS_EVERY == 0:
            jobs.progress(session, job, number)

    with force_locale(p["locale"]), db.engine.connect() as connection:
        if p.get("format") == "csv":
            rows = ledger_export.ledger_rows(connection, start, end, p["centre_id"],
                                             p["exporter_centre_id"], p["timezone"])
            with path.open("wb") as handle:
                for chunk in exports.csv_stream(ledger_export.header(), _counted(rows, on_row)):
                    handle.write(chunk)
            return
        write(path, session, connection, start, end, p["centre_id"], p["exporter_centre_id"],
              p["timezone"], on_row=on_row)

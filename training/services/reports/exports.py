"""Report downloads as CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX, with every
cell that could start a formula escaped against formula injection."""
import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook

# What a spreadsheet program may run as a formula at the start of a cell (OWASP's CSV
# injection list). The one list for every import and export: roster.py refuses such cells.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Report") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Report")
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}


def attachment(data: bytes | str, filename: str, mimetype: str) -> Response:
    """A response the browser saves as filename instead of showing it."""
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def download(header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, filename: str,
             title: str = "Report") -> Response:
    """A table as a CSV or XLSX (fmt, a key of MIMETYPES) attachment; title names the sheet."""
    data = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows, title=title)
    return attachment(data, filename, MIMETYPES[fmt])

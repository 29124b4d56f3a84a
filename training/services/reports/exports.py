"""Report downloads as CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX, with every
cell that could start a formula escaped against formula injection and every character that is
not text removed, so no stored value can break a download."""
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response

# What a spreadsheet program may run as a formula at the start of a cell (OWASP's CSV
# injection list). The one list for every import and export: roster.py refuses such cells.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters that are not text: the C0 and C1 controls (U+0000-U+001F, U+007F-U+009F), the two
# noncharacters XML refuses (U+FFFE, U+FFFF) and lone surrogates. Where a text has lines, tab,
# line feed and carriage return are text. Forms and the roster import refuse the others, and
# every writer here removes them, because older rows may hold them (issue 20: one such
# character made openpyxl refuse a whole workbook).
NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
NOT_TEXT_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def has_control_characters(text: str, lines: bool = False) -> bool:
    """Whether text holds a character that is not text; with lines, tab and line ends are text."""
    return (NOT_TEXT_IN_LINES if lines else NOT_TEXT).search(text) is not None


def clean_text(text: str) -> str:
    """Text without the characters that are not text (tab and line ends are kept)."""
    return NOT_TEXT_IN_LINES.sub("", text)


def safe_cell(value: Any) -> Any:
    """A cell's value as written: text cleaned of characters that are not text, then, if a
    spreadsheet would read it as a formula, given a leading apostrophe."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]], batch: int = 500) -> Iterator[bytes]:
    """The CSV of csv_bytes as chunks of about batch rows, for a streamed response: the first
    chunk (BOM and header) goes out before any row is read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    yield "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for number, row in enumerate(rows, 1):
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        if number % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


Sheet = tuple[str, Sequence[str] | None, Iterable[Sequence[Any]]]


def write_xlsx(target: Any, sheets: Iterable[Sheet]) -> None:
    """Write (title, header or None, rows) sheets to target (a path or a binary file) with
    openpyxl's write-only mode: rows go to disk as they come, so memory stays flat however
    many there are."""
    from openpyxl import Workbook  # imported when used, so that web workers stay small

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31] or "Report")
        if header is not None:
            sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    workbook.save(target)


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Report") -> bytes:
    from openpyxl import Workbook  # imported when used, so that web workers stay small

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


def streamed(chunks: Iterable[bytes], filename: str, mimetype: str) -> Response:
    """A download sent as it is produced (wrap chunks in flask.stream_with_context when they
    read the database)."""
    return Response(chunks, mimetype=mimetype, direct_passthrough=True,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def download(header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, filename: str,
             title: str = "Report") -> Response:
    """A table as a CSV or XLSX (fmt, a key of MIMETYPES) attachment; title names the sheet."""
    data = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows, title=title)
    return attachment(data, filename, MIMETYPES[fmt])

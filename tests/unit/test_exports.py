"""Exports escape formula injection and keep Chinese readable in Excel."""
import io

from openpyxl import load_workbook

from training.services.reports import exports


def test_formula_cells_are_escaped():
    assert [exports.safe_cell(v) for v in ["=1+1", "+86", "-2", "@SUM(A1)", "王", 5, None]] == [
        "'=1+1", "'+86", "'-2", "'@SUM(A1)", "王", 5, None]


def test_csv_has_bom_and_escaped_cells():
    data = exports.csv_bytes(["姓名", "备注"], [["王大姐", "=HYPERLINK(\"x\")"]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "王大姐" in text and "'=HYPERLINK" in text


def test_xlsx_round_trips_with_escaping():
    data = exports.xlsx_bytes(["name", "note"], [["李", "-1"]], title="培训台账")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "培训台账"
    assert [c.value for c in sheet[2]] == ["李", "'-1"]


def test_tab_and_carriage_return_leads_are_escaped():
    """A cell starting with a tab or carriage return is escaped as well (OWASP's list)."""
    assert [exports.safe_cell(v) for v in ["\t=1+1", "\r=1+1"]] == ["'\t=1+1", "'\r=1+1"]


def test_roster_import_refuses_what_exports_escape():
    """Imports and exports share one list: every start an export escapes, the roster import
    refuses (a tab or carriage return is stripped from the cell, and the formula after it is
    then refused)."""
    from training.services.classes import roster

    assert roster.FORMULA_STARTS is exports.FORMULA_STARTS
    table = [["name", "mobile", "village"]]
    table += [[f"{start}=cmd|' /C calc'!A0", f"1380013800{n}", ""]
              for n, start in enumerate(exports.FORMULA_STARTS)]
    rows, errors = roster.validate(table)
    assert rows == []
    assert [(e.line, e.reason) for e in errors] == [
        (line, "formula") for line in range(2, 2 + len(exports.FORMULA_STARTS))]


def test_no_other_formula_list_in_the_app():
    """No module of the app keeps its own list of formula starts beside exports.py's."""
    import ast
    from pathlib import Path

    import training

    own_lists = []
    package = Path(training.__file__).parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set) and sum(
                    isinstance(e, ast.Constant) and e.value in ("=", "+", "-", "@") for e in node.elts) >= 3:
                own_lists.append(f"{path.relative_to(package)}:{node.lineno}")
    assert [where.split(":")[0] for where in own_lists] == ["services/reports/exports.py"], own_lists


def test_cells_lose_every_character_that_is_not_text():
    """Issue 20: every character openpyxl refuses, the C1 controls, DEL and the noncharacters XML
    refuses are removed from what is written; tab and line ends stay."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    refused = [chr(c) for c in range(0x20) if ILLEGAL_CHARACTERS_RE.match(chr(c))]
    others = ["\x7f", "\x80", "\x85", "\x9f", "\ufffe", "\uffff"]
    assert exports.clean_text("村" + "".join(refused + others) + "\t\n\r") == "村\t\n\r"
    assert [exports.safe_cell(v) for v in ["\x07=1+1", "王\x1b[31m"]] == ["'=1+1", "王[31m"]


def test_both_writers_hold_control_characters():
    """A stored village with control characters in it still gives a CSV and an XLSX that open."""
    rows = [["王\x07大姐", "团结\x1b村\x00", "\ufffe=1+1"]]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(["a", "b\x0b", "c"], rows))).active
    assert [c.value for c in sheet[1]] + [c.value for c in sheet[2]] == [
        "a", "b", "c", "王大姐", "团结村", "'=1+1"]
    assert exports.csv_bytes(["a"], rows).decode("utf-8-sig").splitlines()[1] == "王大姐,团结村,'=1+1"


def test_no_other_spreadsheet_writer_in_the_app():
    """Every CSV and XLSX the app writes goes through exports.py, so every cell is cleaned."""
    import ast
    from pathlib import Path

    import training

    writers = []
    package = Path(training.__file__).parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
            if name in ("writer", "DictWriter", "Workbook"):
                writers.append(str(path.relative_to(package)))
    assert set(writers) == {"services/reports/exports.py"}, writers

"""Exports escape formula injection and keep Chinese readable in Excel."""
import io

from openpyxl import load_workbook

from training.services import exports


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

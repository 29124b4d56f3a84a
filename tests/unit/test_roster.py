"""The roster service: reading CSV/XLSX, validating every row, importing all or nothing."""
import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from training.extensions import db
from training.models import ClassMember, Enrollment, User
from training.services.classes import roster
from training.services.accounts.accounts import authenticate


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def reasons(errors):
    return [(e.line, e.reason) for e in errors]


def test_good_rows_are_normalised():
    """Mobile numbers with spaces or +86 and full-width digits become 11 digits; places are kept."""
    rows, errors = roster.validate([
        ["name", "mobile", "township", "village"],
        ["张三", "138 0013 8000", "城关镇", "团结村"],
        ["李四", "+86 13900139000", "", ""],
        ["王五", "１３７００１３７０００", "", "新民村"],
    ])
    assert errors == []
    assert [(r.line, r.name, r.mobile, r.village) for r in rows] == [
        (2, "张三", "13800138000", "团结村"), (3, "李四", "13900139000", ""),
        (4, "王五", "13700137000", "新民村")]


def test_chinese_headers_in_any_order_are_understood():
    """A sheet titled 手机号/姓名/村 maps to mobile, name and village."""
    rows, errors = roster.validate([["手机号", "姓名", "村"], ["13800138000", "张三", "团结村"]])
    assert errors == [] and (rows[0].name, rows[0].mobile, rows[0].village) == ("张三", "13800138000", "团结村")


def test_every_bad_row_is_reported_with_its_reason():
    """Bad mobile, empty name, duplicate within the file and formula cells are all listed."""
    rows, errors = roster.validate([
        ["name", "mobile", "village"],
        ["张三", "13800138000", ""],
        ["", "13900139000", ""],
        ["李四", "12345", ""],
        ["张 三", "138-0013-8000", ""],
        ["=HYPERLINK(\"http://x\")", "13700137000", ""],
        ["赵六", "13600136000", "@SUM(A1)"],
        ["钱七", "=1+1", ""],
    ])
    assert reasons(errors) == [
        (3, "name-empty"), (4, "mobile-invalid"), (5, "mobile-duplicate"), (6, "formula"),
        (7, "formula"), (8, "formula")]
    assert errors[2].other_line == 2 and errors[2].value == "138****8000"
    assert [r.line for r in rows] == [2]


def test_header_and_size_limits():
    """A file without name and mobile columns, or with too many rows, is refused as a whole."""
    assert reasons(roster.validate([["a", "b"], ["x", "y"]])[1]) == [(1, "header")]
    assert reasons(roster.validate([])[1]) == [(1, "empty-file")]
    assert reasons(roster.validate([["name", "mobile"]])[1]) == [(2, "no-rows")]
    many = [["name", "mobile"]] + [[f"n{i}", f"138{i:08d}"] for i in range(roster.MAX_ROWS + 1)]
    assert reasons(roster.validate(many)[1]) == [(roster.MAX_ROWS + 2, "too-many-rows")]


def test_read_csv_in_utf8_with_bom_and_in_gb18030():
    """Excel's Chinese CSV (GB18030) and UTF-8 with BOM read the same; blank lines are dropped."""
    text = "姓名,手机号\r\n张三,13800138000\r\n,\r\n"
    expected = [["姓名", "手机号"], ["张三", "13800138000"]]
    assert roster.read_table("a.csv", ("\ufeff" + text).encode("utf-8")) == expected
    assert roster.read_table("a.CSV", text.encode("gb18030")) == expected


def test_read_xlsx_keeps_formulas_as_text_and_numbers_as_digits():
    """A formula cell is read as its text (then refused), a numeric mobile without '.0'."""
    table = roster.read_table("r.xlsx", xlsx([["name", "mobile"], ["=1+2", 13800138000]]))
    assert table == [["name", "mobile"], ["=1+2", "13800138000"]]
    assert reasons(roster.validate(table)[1]) == [(2, "formula")]


@pytest.mark.parametrize("name,data,reason", [
    ("roster.pdf", b"%PDF", "file-type"),
    ("roster.xlsx", b"not a zip", "unreadable"),
    ("roster.csv", b"x" * (roster.MAX_BYTES + 1), "too-big"),
])
def test_unreadable_files_are_refused(name, data, reason):
    """Wrong type, broken workbook or oversized file: a file error, never a crash."""
    with pytest.raises(roster.RosterFileError) as caught:
        roster.read_table(name, data)
    assert caught.value.args[0] == reason


def test_import_creates_new_learners_and_links_existing_numbers(factory, example_course):
    """New numbers get accounts with a one-time password that must be changed; a known number is
    linked to the class without a second account or a new password."""
    existing = factory.user("learner", mobile="13900139000", display_name="李四")
    training_class = factory.training_class(courses=[example_course])
    rows, errors = roster.validate([["name", "mobile", "village"], ["张三", "13800138000", "团结村"],
                                    ["李四", "13900139000", ""]])
    assert errors == []
    imported = roster.import_rows(db.session, training_class, rows)
    db.session.commit()
    new, linked = imported
    assert new.created and new.password and new.user.must_change_password
    assert new.user.village == "团结村" and new.user.centre_id == training_class.centre_id
    assert authenticate(db.session, "13800138000", new.password) is not None
    assert not linked.created and linked.password is None and linked.user.id == existing.id
    assert linked.user.display_name == "李四"
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "learner")) == 2
    assert db.session.scalar(select(func.count(ClassMember.id))) == 2
    assert db.session.scalar(select(func.count(Enrollment.id))) == 2


def test_one_time_passwords_pass_the_password_rules():
    """Generated passwords are 8 readable characters that the strength check accepts."""
    from training.services.accounts.accounts import check_password_strength

    for _ in range(50):
        password = roster.one_time_password()
        assert len(password) == 8 and check_password_strength(password) is None
        assert not set(password) & set("0o1lI")


def test_control_characters_are_refused_per_row():
    """Issue 20: a name, township or village holding control characters is refused with its
    line and the file's own column title; a tab inside a mobile number is only spacing."""
    rows, errors = roster.validate([
        ["姓名", "手机号", "乡镇", "村"],
        ["张\x07三", "13800138000", "城关镇", "团结村"],
        ["李四", "13900139000", "城关\x1b镇", "新民\x85村"],
        ["王五", "137\t0013\t7000", "", ""],
    ])
    assert [r.line for r in rows] == [4] and rows[0].mobile == "13700137000"
    assert [(e.line, e.reason, e.value) for e in errors] == [
        (2, "control-characters", "姓名"), (3, "control-characters", "乡镇"),
        (3, "control-characters", "村")]


def test_gender_and_birth_year_are_read_in_either_language():
    """Issue 21: 性别 (男/女, M/F) and 出生年份 are read into the roster rows; blank is "not given"."""
    rows, errors = roster.validate([
        ["姓名", "手机号", "性别", "出生年份"],
        ["张三", "13800138000", "男", "1975"],
        ["李四", "13900139000", "女", "１９８２"],
        ["王五", "13700137000", "", ""],
    ], today=date(2026, 5, 1))
    assert errors == []
    assert [(r.gender, r.birth_year) for r in rows] == [("m", 1975), ("f", 1982), (None, None)]
    rows, errors = roster.validate([
        ["name", "mobile", "gender", "birth year"],
        ["Zhang", "13800138000", "M", "1960"],
        ["Li", "13900139000", "f", "1990"],
    ], today=date(2026, 5, 1))
    assert errors == [] and [(r.gender, r.birth_year) for r in rows] == [("m", 1960), ("f", 1990)]


def test_bad_gender_and_birth_year_cells_are_refused_per_line():
    """A gender other than 男/女/M/F, or a birth year that is not a 4-digit year from 1920 to ten
    years ago (the profile form's youngest), is refused with its line and value."""
    rows, errors = roster.validate([
        ["姓名", "手机号", "性别", "出生年份"],
        ["张三", "13800138000", "未知", "1975"],
        ["李四", "13900139000", "女", "75"],
        ["王五", "13700137000", "男", "1919"],
        ["赵六", "13600136000", "男", "2026"],
        ["钱七", "13500135000", "女", "1975-03"],
        ["孙八", "13400134000", "男", "2016"],
        ["周九", "13300133000", "女", "1920"],
    ], today=date(2026, 5, 1))
    assert [(e.line, e.reason, e.value) for e in errors] == [
        (2, "gender-invalid", "未知"), (3, "birth-year-invalid", "75"),
        (4, "birth-year-invalid", "1919"), (5, "birth-year-invalid", "2026"),
        (6, "birth-year-invalid", "1975-03")]
    assert [r.line for r in rows] == [7, 8]


def test_unknown_columns_are_reported_not_ignored():
    """Issue 21: a column the roster does not know (备注, 出生年月) is refused by name, and so
    is a column with data but no title; every row is still checked so one upload lists all."""
    rows, errors = roster.validate([
        ["姓名", "手机号", "备注", "出生年月", "", ""],
        ["张三", "13800138000", "组长", "1975-01", "x", ""],
        ["李四", "12345", "", "", "", ""],
    ])
    assert [(e.line, e.reason, e.columns) for e in errors] == [
        (1, "unknown-columns", ("备注", "出生年月")), (1, "untitled-column", ()),
        (3, "mobile-invalid", ())]
    assert errors[1].value == "E"


def test_a_field_given_twice_is_reported():
    """Two columns that mean the same (手机号 and 电话) are refused, not one silently dropped."""
    _rows, errors = roster.validate([["姓名", "手机号", "电话"], ["张三", "13800138000", "13900139000"]])
    assert [(e.line, e.reason, e.columns) for e in errors] == [(1, "duplicate-column", ("手机号", "电话"))]


def test_blank_trailing_columns_are_not_unknown():
    """Empty columns after the last title (as spreadsheets save them) are no problem."""
    rows, errors = roster.validate([["name", "mobile", ""], ["张三", "13800138000", ""], ["李四", "13900139000"]])
    assert errors == [] and len(rows) == 2


def test_template_has_gender_and_birth_year_and_reads_back():
    """Both templates name every column the roster reads, and their example row is valid."""
    for language in ("zh", "en"):
        header, example = roster.template_rows(language)
        assert len(header) == 8 and len(example[0]) == 8
        rows, errors = roster.validate([header, [str(v) for v in example[0]]])
        assert errors == [] and (rows[0].gender, rows[0].birth_year) == ("m", 1975)
        assert (rows[0].id_last4, rows[0].household) == ("123X", None)
    assert roster.template_rows("zh")[0] == ["姓名", "手机号", "性别", "出生年份", "乡镇", "村",
                                             "身份证后四位", "户类别"]
    assert roster.template_rows("en")[0] == ["name", "mobile", "gender", "birth year", "township",
                                             "village", "id last 4", "household category"]


def test_import_saves_gender_and_birth_year_of_new_learners(factory):
    """New accounts get the roster's gender and birth year; an existing account is left as is."""
    existing = factory.user("learner", mobile="13900139000", display_name="李四")
    training_class = factory.training_class()
    rows, errors = roster.validate([["姓名", "手机号", "性别", "出生年份"],
                                    ["张三", "13800138000", "女", "1968"],
                                    ["李四", "13900139000", "男", "1970"]])
    assert errors == []
    new, linked = roster.import_rows(db.session, training_class, rows)
    db.session.commit()
    assert (new.user.gender, new.user.birth_year) == ("f", 1968)
    assert linked.user.id == existing.id and (linked.user.gender, linked.user.birth_year) == (None, None)


def test_id_last4_is_four_characters_the_last_may_be_x():
    """Issue 21: 身份证后四位 is read: four digits, or three and the check letter X (any case,
    full-width forgiven); anything else is listed with its line."""
    rows, errors = roster.validate([
        ["姓名", "手机号", "身份证后四位"],
        ["张三", "13800138000", "0123"], ["李四", "13900139000", "123x"],
        ["王五", "13700137000", "１２３Ｘ"], ["赵六", "13600136000", ""],
        ["钱七", "13500135000", "12X4"], ["孙八", "13400134000", "12345"],
    ])
    assert [(r.name, r.id_last4) for r in rows] == [("张三", "0123"), ("李四", "123X"), ("王五", "123X"),
                                                    ("赵六", None)]
    assert reasons(errors) == [(6, "id-last4-invalid"), (7, "id-last4-invalid")]


def test_household_category_needs_its_own_consent():
    """A household category is special personal information: without the upload's consent box
    the whole file is refused (one problem naming the count); with it, the codes are read."""
    table = [["姓名", "手机号", "户类别"], ["张三", "13800138000", "脱贫户"],
             ["李四", "13900139000", ""], ["王五", "13700137000", " 监测对象 "]]
    rows, errors = roster.validate(table)
    assert reasons(errors) == [(1, "household-consent")] and errors[0].value == "2"
    rows, errors = roster.validate(table, household_consent=True)
    assert errors == [] and [r.household for r in rows] == ["lifted", None, "monitored"]
    rows, errors = roster.validate([["name", "mobile", "household category"],
                                    ["Zhang", "13800138000", "rich"]], household_consent=True)
    assert reasons(errors) == [(2, "household-invalid")]


def test_a_household_shares_one_number_but_not_a_name():
    """Several people may share a mobile number (one family phone); the same name and number
    twice is one person written twice and is refused."""
    rows, errors = roster.validate([
        ["name", "mobile"], ["张三", "13800138000"], ["李秀英", "13800138000"],
        ["张小军", "138 0013 8000"], ["张三", "13800138000"],
    ])
    assert [r.name for r in rows] == ["张三", "李秀英", "张小军"]
    assert [(e.line, e.reason, e.other_line) for e in errors] == [(5, "mobile-duplicate", 2)]


def test_household_members_are_separate_people_who_each_can_log_in(factory):
    """Rows sharing a number become separate learners with their own one-time password; an
    existing account on that number is the same person only when the name matches too."""
    from training.services.accounts.passwords import verify_password

    mother = factory.user("learner", mobile="13800138000", display_name="李秀英")
    training_class = factory.training_class()
    rows, errors = roster.validate([
        ["name", "mobile", "id last 4", "household category"],
        ["李秀英", "13800138000", "", ""], ["张建国", "13800138000", "123X", "监测户"],
        ["张小军", "13800138000", "", ""],
    ], household_consent=True)
    assert errors == []
    imported = roster.import_rows(db.session, training_class, rows)
    db.session.commit()
    linked, father, son = imported
    assert linked.user.id == mother.id and not linked.created
    assert father.created and son.created and father.user.id != son.user.id
    assert father.user.mobile == son.user.mobile == "13800138000"
    assert (father.user.id_last4, father.user.household_category) == ("123X", "monitored")
    assert father.user.household_consent_at is not None and son.user.household_consent_at is None
    for item in (father, son):
        person = db.session.get(User, item.user.id)
        assert verify_password(person.password_hash, item.password) and person.must_change_password
    assert not verify_password(db.session.get(User, son.user.id).password_hash, father.password)
    assert db.session.scalar(select(func.count(User.id)).where(User.mobile == "13800138000")) == 3
    assert db.session.scalar(select(func.count(ClassMember.id))) == 3

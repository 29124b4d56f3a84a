"""Bulk learner accounts through the upload page: template, good files, bad rows, sign-in sheet."""
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from training.extensions import db
from training.models import AuditEvent, ClassMember, User
from training.services.accounts.accounts import authenticate


def upload(client, class_id, data: bytes, filename: str):
    return client.post(f"/classes/{class_id}/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response_data(client) -> bytes:
    return client.get("/classes/roster-template.xlsx").data


def learners() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == "learner"))


def test_templates_download_as_csv_and_xlsx(trainer_client):
    """The template has the columns name, mobile, gender, birth year, township, village, ID card
    last 4 and household category (CSV with BOM, and XLSX)."""
    csv = trainer_client.get("/classes/roster-template.csv")
    assert csv.data.startswith(
        "\ufeffname,mobile,gender,birth year,township,village,id last 4,household category".encode())
    sheet = load_workbook(io.BytesIO(trainer_client.get("/classes/roster-template.xlsx").data)).active
    assert [c.value for c in sheet[1]] == ["name", "mobile", "gender", "birth year", "township", "village",
                                           "id last 4", "household category"]
    assert trainer_client.get("/classes/roster-template.pdf").status_code == 404


def test_template_speaks_the_trainers_language_and_reads_back(app, factory, trainer):
    """A Chinese trainer's template has Chinese column titles, and the filled-in file imports."""
    trainer.language = "zh_CN"
    db.session.commit()
    client = app.test_client(user=trainer)
    csv = client.get("/classes/roster-template.csv")
    assert csv.data.startswith("\ufeff姓名,手机号,性别,出生年份,乡镇,村,身份证后四位,户类别".encode())
    sheet = load_workbook(io.BytesIO(client.get("/classes/roster-template.xlsx").data)).active
    assert sheet.title == "学员"
    assert [c.value for c in sheet[1]] == ["姓名", "手机号", "性别", "出生年份", "乡镇", "村", "身份证后四位",
                                           "户类别"]
    from training.services.classes import roster

    rows, errors = roster.validate(roster.read_table("roster.csv", csv.data))
    assert not errors and (rows[0].name, rows[0].gender, rows[0].birth_year) == ("张三", "m", 1975)
    rows, errors = roster.validate(roster.read_table("roster.xlsx", response_data(client)))
    assert not errors and (rows[0].gender, rows[0].birth_year) == ("m", 1975)


def test_good_csv_creates_accounts_and_shows_the_sign_in_sheet(factory, trainer_client, trainer):
    """Every row becomes a learner in the class who must change the one-time password shown."""
    training_class = factory.training_class()
    data = "姓名,手机号,乡镇,村\n张三,13800138000,城关镇,团结村\n李四,13900139000,,\n".encode("gb18030")
    response = upload(trainer_client, training_class.id, data, "名单.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sign-in sheet" in text
    assert "138****8000" in text and "13800138000" not in text
    zhang = db.session.scalar(select(User).where(User.mobile == "13800138000"))
    assert zhang.must_change_password and zhang.village == "团结村"
    password = text.split('<strong class="code">')[1].split("<")[0]
    assert authenticate(db.session, "13800138000", password).id == zhang.id
    assert db.session.scalar(select(func.count(ClassMember.id))) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "class.import"))
    assert event.detail == {"created": 2, "linked": 0} and event.actor_id == trainer.id


def test_good_xlsx_links_an_existing_number(factory, trainer_client):
    """A number already registered is added to the class, not duplicated, and keeps its password."""
    known = factory.user("learner", mobile="13900139000", display_name="李四")
    training_class = factory.training_class()
    data = xlsx([["name", "mobile", "village"], ["王五", 13700137000, "新民村"], ["李四", "13900139000", ""]])
    response = upload(trainer_client, training_class.id, data, "roster.xlsx")
    assert response.status_code == 200
    assert "already registered" in response.get_data(as_text=True)
    assert learners() == 2
    db.session.refresh(known)
    assert not known.must_change_password
    assert db.session.scalar(select(func.count(ClassMember.id))) == 2


def test_a_bad_row_imports_nothing_and_lists_every_problem(factory, trainer_client):
    """Bad mobile, empty name, a duplicate and a formula cell: each listed, nobody created."""
    training_class = factory.training_class()
    data = ("name,mobile\n张三,13800138000\n,13900139000\n李四,12345\n"
            "张三,13800138000\n=cmd|' /C calc'!A0,13700137000\n").encode()
    response = upload(trainer_client, training_class.id, data, "roster.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: 4 problems to fix." in text
    assert "Line 3: The name is empty." in text
    assert "Line 4: “12345” is not an 11-digit mainland mobile number." in text
    assert "Line 5: The mobile number 138****8000 is already on line 2." in text
    assert "Line 6: “=cmd|&#39; /C calc&#39;!A0” looks like a spreadsheet formula" in text
    assert learners() == 0 and db.session.scalar(select(func.count(ClassMember.id))) == 0


def test_unreadable_upload_is_a_field_message(factory, trainer_client):
    """A file of the wrong type is refused at the field, not with a 500."""
    training_class = factory.training_class()
    response = upload(trainer_client, training_class.id, b"%PDF-1.4", "roster.pdf")
    assert response.status_code == 422
    assert "Upload a .csv or .xlsx file." in response.get_data(as_text=True)


def test_other_centre_cannot_import_into_a_class(factory, app, other_centre_trainer):
    """Fred cannot open or post to centre A's import page."""
    training_class = factory.training_class("Centre A")
    fred = app.test_client(user=other_centre_trainer)
    assert fred.get(f"/classes/{training_class.id}/import").status_code == 403
    response = upload(fred, training_class.id, b"name,mobile\nx,13800138000\n", "r.csv")
    assert response.status_code == 403 and learners() == 0


def test_gender_and_birth_year_are_imported(factory, trainer_client):
    """Issue 21: the 性别 and 出生年份 columns fill the new learners' profiles, which the ledger counts."""
    training_class = factory.training_class()
    data = "姓名,手机号,性别,出生年份\n张三,13800138000,男,1975\n李四,13900139000,女,\n".encode()
    assert upload(trainer_client, training_class.id, data, "roster.csv").status_code == 200
    people = db.session.execute(select(User.mobile, User.gender, User.birth_year).order_by(User.mobile)
                                .where(User.role == "learner")).all()
    assert [tuple(p) for p in people] == [("13800138000", "m", 1975), ("13900139000", "f", None)]


def test_bad_gender_and_birth_year_are_listed_per_line(factory, trainer_client):
    """A gender or birth year that cannot be right is refused on its line, and nothing is imported."""
    training_class = factory.training_class()
    data = "name,mobile,gender,birth year\nZhang,13800138000,X,1975\nLi,13900139000,F,75\n".encode()
    response = upload(trainer_client, training_class.id, data, "roster.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and learners() == 0
    assert "Line 2: The gender “X” is not one of 男, 女, M or F." in text
    assert "Line 3: The birth year “75” is not a 4-digit year from 1920 to " in text


def test_unknown_columns_refuse_the_file_naming_them(app, factory, trainer):
    """Issue 21: extra columns are not silently ignored: the page names them and the known ones,
    in the trainer's language, and nothing is imported."""
    trainer.language = "zh_CN"
    db.session.commit()
    client = app.test_client(user=trainer)
    training_class = factory.training_class()
    data = "姓名,手机号,备注,出生年月\n张三,13800138000,组长,1975-01\n".encode()
    response = upload(client, training_class.id, data, "roster.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and learners() == 0
    assert "无法识别的列：“备注”和“出生年月”。" in text
    assert "可用的列：“姓名”、“手机号”、“性别”、“出生年份”、“乡镇”、“村”、“身份证后四位”和“户类别”" in text


def test_unknown_columns_message_in_english(factory, trainer_client):
    """The same refusal reads in English for an English-speaking trainer."""
    training_class = factory.training_class()
    data = "name,mobile,remarks\nZhang,13800138000,leader\n".encode()
    text = upload(trainer_client, training_class.id, data, "roster.csv").get_data(as_text=True)
    assert "Line 1: Unknown column: “remarks”." in text
    assert ("“name”, “mobile”, “gender”, “birth year”, “township”, “village”, “id last 4”, and "
            "“household category”") in text


def test_household_category_without_consent_imports_nothing(factory, trainer_client):
    """Issue 21 (PIPL Art. 29): a file with a household category and the consent box unticked
    is refused as a whole, with a message that says what to do."""
    training_class = factory.training_class()
    data = "name,mobile,household category\n张三,13800138000,脱贫户\n李四,13900139000,\n".encode()
    response = upload(trainer_client, training_class.id, data, "roster.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and learners() == 0
    assert "Line 1: 1 row gives a household category, which is kept only with each learner&#39;s " \
           "separate consent: tick the consent box below, or delete the column." in text
    assert db.session.scalar(select(func.count(ClassMember.id))) == 0


def test_household_category_with_consent_is_kept_and_audited(factory, trainer_client):
    """With the consent box ticked the category and its consent time are kept; the audit notes
    how many categories were kept, never which."""
    training_class = factory.training_class()
    data = ("name,mobile,id last 4,household category\n张三,13800138000,123X,脱贫户\n"
            "李秀英,13800138000,,\n").encode()
    response = trainer_client.post(
        f"/classes/{training_class.id}/import", content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), "roster.csv"), "household_consent": "y"})
    assert response.status_code == 200
    zhang, li = db.session.scalars(select(User).where(User.mobile == "13800138000").order_by(User.id))
    assert (zhang.household_category, zhang.id_last4) == ("lifted", "123X") and zhang.household_consent_at
    assert li.household_category is None and li.display_name == "李秀英"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "class.import"))
    assert event.detail == {"created": 2, "linked": 0, "household_consent": True,
                            "household_categories": 1, "id_last4": 1}
    assert "脱贫" not in str(event.detail)
    text = response.get_data(as_text=True)
    assert text.count("138****8000") == 2 and "each use their own password" in text

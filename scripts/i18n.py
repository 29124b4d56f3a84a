"""Keep the interface catalogues in step with the code.

    .venv/bin/python scripts/i18n.py update    # extract strings, merge them into both catalogues,
                                               # fill English from the source text, compile .mo
    .venv/bin/python scripts/i18n.py compile   # only compile .po to .mo
    .venv/bin/python scripts/i18n.py add FILE.json  # add {"English": "中文", ...} to both
                                               # catalogues and compile (safe in parallel)

After `update`, translate every new or fuzzy entry in training/translations/zh_Hans_CN/LC_MESSAGES/
messages.po (tests fail on untranslated or fuzzy entries), then run `compile`.
"""
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "training" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh_Hans_CN", "en")
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def extract() -> None:
    subprocess.run(
        [PYBABEL, "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "--sort-output", "--no-location", "--omit-header", "-o", str(POT), "."],
        cwd=ROOT, check=True, capture_output=True,
    )


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def update() -> None:
    extract()
    with POT.open("rb") as handle:
        template = read_po(handle)
    for locale in LOCALES:
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
        else:
            from babel.messages.catalog import Catalog
            catalog = Catalog(locale=locale, project="CunBo Academy")
        catalog.update(template, no_fuzzy_matching=True)
        if locale == "en":
            # English is the source language: its catalogue is the source text itself.
            for message in catalog:
                if isinstance(message.id, str) and message.id and not message.string:
                    message.string = message.id
                elif isinstance(message.id, (list, tuple)) and not all(message.string):
                    message.string = tuple(message.id)
                message.flags.discard("fuzzy")
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, omit_header=False, ignore_obsolete=True,
                     include_previous=False, width=0)
    compile_all()


def compile_all() -> None:
    for locale in LOCALES:
        path = po_path(locale)
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def add(json_path: str) -> None:
    """Add translations without extracting: {"msgid": "zh text"}, or for plurals
    {"msgid": ["plural msgid", "zh text"]}. Holds a lock so parallel edits do not collide."""
    import fcntl
    import json

    entries = json.loads(Path(json_path).read_text(encoding="utf-8"))
    with (TRANSLATIONS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for locale in LOCALES:
            path = po_path(locale)
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            for msgid, value in entries.items():
                if isinstance(value, list):
                    plural, zh = value
                    key, string = (msgid, plural), ((zh,) if locale != "en" else (msgid, plural))
                else:
                    key, string = msgid, (value if locale != "en" else msgid)
                if msgid in catalog:
                    del catalog[msgid]
                catalog.add(key, string)
            with path.open("wb") as handle:
                write_po(handle, catalog, sort_output=True, omit_header=False, ignore_obsolete=True,
                         include_previous=False, width=0)
        compile_all()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "add":
        add(sys.argv[2])
    else:
        {"update": update, "compile": compile_all}[command]()

"""Importing a course .zip keeps a worker's memory small, whatever the archive's entries hold."""
import tracemalloc
import zipfile

import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import Course
from training.services.authoring import archives, course_checks

ENTRY_BYTES = 64 * 1024 * 1024
COURSE_TOML = b'''slug = "big"
language = "en"
title = "Big"

[[lessons]]
key = "one"
title = "One"
file = "lessons/one.md"
'''


def _zip_with_one_big_entry(path, name: str, toml: bytes = COURSE_TOML):
    """A small zip with one honest, highly compressible entry of ENTRY_BYTES (written in chunks)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big/course.toml", toml)
        if name != "lessons/one.md":
            archive.writestr("big/lessons/one.md", b"Hello.")
        with archive.open(f"big/{name}", "w", force_zip64=True) as entry:
            block = b"0" * (1024 * 1024)
            for _ in range(ENTRY_BYTES // len(block)):
                entry.write(block)
    return path


def _peak_while(action) -> int:
    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("name", ["lessons/one.md", "images/big.png", "videos/big.mp4", "extra/notes.txt"])
def test_a_big_entry_never_sits_in_memory(app, app_ctx, trainer, tmp_path, name):
    """Does importing a zip with one 64 MB entry (a lesson, a picture, a video or an unused file)
    stay far below the entry's size in memory, refused or not, and import nothing when refused?"""
    toml = COURSE_TOML
    if name.startswith("videos/"):
        toml += f'video = "{name}"\n'.encode()
    if name.startswith("images/"):
        toml = toml.replace(b'title = "Big"', f'title = "Big"\ncover_image = "{name}"\ncover_alt = "A"'.encode())
    blob = _zip_with_one_big_entry(tmp_path / "big.zip", name, toml)
    assert blob.stat().st_size < 1024 * 1024
    outcome = []

    def run():
        with blob.open("rb") as handle:
            try:
                outcome.append(archives.import_zip(db.session, handle, trainer, app.config["MEDIA_DIR"],
                                                   archives.ZipLimits(), replace=False,
                                                   can_replace=lambda c: False))
            except course_checks.NotAllowed as exc:
                outcome.append(exc)

    peak = _peak_while(run)
    assert peak < ENTRY_BYTES // 8, f"peak {peak / 2**20:.1f} MB"
    if name == "extra/notes.txt":
        course, created = outcome[0]
        assert created and course.slug == "big"
    else:
        assert isinstance(outcome[0], course_checks.NotAllowed)
        db.session.rollback()
        assert db.session.scalar(select(Course)) is None


def test_unpacked_files_are_removed_after_the_import(app, app_ctx, trainer, tmp_path, monkeypatch):
    """Is the temporary folder an import unpacks into removed, refused or not?"""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    blob = _zip_with_one_big_entry(tmp_path / "big.zip", "lessons/one.md")
    with pytest.raises(course_checks.NotAllowed, match="100000"):
        archives.import_zip(db.session, blob.read_bytes(), trainer, app.config["MEDIA_DIR"],
                            archives.ZipLimits(), replace=False, can_replace=lambda c: False)
    assert list((tmp_path / "tmp").iterdir()) == []

"""Images are checked by content, not by name; SVG must be inert."""
import io

import pytest
from PIL import Image

from training.services.authoring import media


def png_bytes(size=(20, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_real_png_is_accepted_with_size():
    checked = media.check_image(png_bytes())
    assert (checked.content_type, checked.extension, checked.width, checked.height) == ("image/png", ".png", 20, 10)


def test_html_named_png_is_refused():
    """Is an HTML file pretending to be an image refused?"""
    with pytest.raises(media.MediaError, match="not-image"):
        media.check_image(b"<html><script>alert(1)</script></html>")


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><a x:href="javascript:1"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/y)"/></svg>',
])
def test_unsafe_svg_is_refused(svg):
    """Are scripts, handlers, links and foreign objects in SVG refused?"""
    with pytest.raises(media.MediaError, match="svg-unsafe"):
        media.check_image(svg)


def test_svg_with_entities_is_refused():
    """Is an SVG with a DTD (entity expansion) refused?"""
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    with pytest.raises(media.MediaError):
        media.check_image(bomb)


def test_safe_svg_reports_viewbox_size():
    checked = media.check_image(b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 200"><rect width="1" height="1"/></svg>')
    assert checked.content_type == "image/svg+xml" and (checked.width, checked.height) == (360, 200)


def test_content_names_are_stable_and_unguessable():
    name = media.content_name(b"abc", ".png")
    assert name == media.content_name(b"abc", ".png") and len(name) == 36
    assert media.random_name(".png") != media.random_name(".png")


def test_files_stored_by_a_failed_block_are_removed_and_older_ones_kept(tmp_path):
    """An import refused or interrupted before its commit leaves no file behind; a file that
    was already there (the same picture, stored earlier) stays."""
    media.store(tmp_path, "kept.png", b"earlier")
    with pytest.raises(RuntimeError):
        with media.removed_on_failure():
            media.store(tmp_path, "kept.png", b"earlier")
            media.store(tmp_path, "new.png", b"new")
            raise RuntimeError("the commit failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.png"]
    with media.removed_on_failure():
        media.store(tmp_path, "new.png", b"new")
    assert (tmp_path / "new.png").exists()

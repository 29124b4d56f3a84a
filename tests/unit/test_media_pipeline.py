"""Web-size images with srcset copies, and the HTML that shows them."""
import io

import pytest
from PIL import Image

from training.services.authoring import content, media


def jpeg_with_exif(size=(2000, 1000)) -> bytes:
    img = Image.new("RGB", size, "orange")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° when shown
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_photo_is_rotated_resized_and_stripped(tmp_path):
    """Is a phone photo turned upright, scaled to web size and stored without its EXIF data?"""
    stored = media.store_image(tmp_path, jpeg_with_exif(), base="a" * 32)
    assert (stored.width, stored.height) == (1000, 2000)  # upright, under the 1600 px cap
    with Image.open(tmp_path / stored.name) as img:
        assert not img.getexif()
    names = {v["name"] for v in stored.variants}
    assert names == {"a" * 32 + suffix for suffix in
                     ("-480w.jpg", "-480w.webp", "-960w.jpg", "-960w.webp", "-1000w.webp")}
    for name in names:
        assert (tmp_path / name).is_file()


def test_small_png_keeps_size_and_gets_webp_only(tmp_path):
    """Does an image smaller than every variant width get just a WebP copy?"""
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 128, 0, 128)).save(buffer, "PNG")
    stored = media.store_image(tmp_path, buffer.getvalue())
    assert (stored.width, stored.height, stored.content_type) == (300, 200, "image/png")
    assert [(v["width"], v["content_type"]) for v in stored.variants] == [(300, "image/webp")]


def test_svg_refused_for_uploads_and_kept_for_imports(tmp_path):
    """Are SVG files refused where uploads say so, and stored unchanged otherwise?"""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="1" height="1"/></svg>'
    with pytest.raises(media.MediaError, match="svg-refused"):
        media.store_image(tmp_path, svg, allow_svg=False)
    stored = media.store_image(tmp_path, svg)
    assert (tmp_path / stored.name).read_bytes() == svg and not stored.variants


def test_decompression_bomb_is_refused():
    """Is an image claiming more pixels than the limit refused before decoding?"""
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, "PNG")
    with pytest.raises(media.MediaError, match="too-many-pixels"):
        media.check_image(buffer.getvalue())


def test_picture_html_has_size_srcset_and_webp():
    """Does a stored image render with width/height, srcset/sizes and a WebP source?"""
    ref = content.ImageRef("/media/" + "a" * 32 + ".jpg", 1600, 800,
                           variants=[("/media/" + "a" * 32 + "-480w.jpg", 480)],
                           webp=[("/media/" + "a" * 32 + "-480w.webp", 480)])
    html = content.sanitize(content.picture_html(ref, 'Apples "red"'))
    assert 'width="1600"' in html and 'height="800"' in html and "480w" in html
    assert '<source type="image/webp"' in html and 'sizes="' in html and "&quot;red&quot;" in html


def test_srcset_pointing_elsewhere_is_removed():
    """Is a hand-written srcset to another site stripped from lesson HTML?"""
    html = content.render_markdown('<img src="/media/x.png" srcset="https://evil.example/t.png 1x" alt="x">')
    assert "evil" not in html

"""Web-size images with srcset copies, and the HTML that shows them."""
import io

import pytest
from PIL import Image, PngImagePlugin

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


def gif_javascript_polyglot() -> bytes:
    """A valid GIF that is also valid JavaScript: GIF89a/*…*/=1;alert(1);//

    The GIF's width bytes open a comment ("/*" is 10799 px wide), the image data follows, and
    after the GIF trailer the comment closes and the script runs. Browsers and Pillow both
    accept it."""
    buffer = io.BytesIO()
    Image.new("P", (0x2A2F, 4), 3).save(buffer, "GIF", comment=b"alert(2)")
    gif = buffer.getvalue()
    assert gif[6:8] == b"/*" and b"*/" not in gif[8:]
    return gif + b"*/=1;alert(1);//"


def test_gif_javascript_polyglot_keeps_only_its_pixels(tmp_path):
    """Is a GIF that is also a script stored re-encoded, with no trace of the script?"""
    polyglot = gif_javascript_polyglot()
    with Image.open(io.BytesIO(polyglot)) as img:
        assert img.format == "GIF"
    stored = media.store_image(tmp_path, polyglot, base="b" * 32)
    assert stored.content_type == "image/gif" and stored.width == 1600
    files = list(tmp_path.iterdir())
    assert {p.name for p in files} == {stored.name, *(v["name"] for v in stored.variants)}
    for path in files:
        data = path.read_bytes()
        assert data != polyglot and b"alert" not in data and b"*/" not in data
        with Image.open(path) as img:
            assert img.format in ("GIF", "WEBP") and "comment" not in img.info


def test_animated_gif_keeps_its_first_frame(tmp_path):
    """Is an animated GIF stored as its first frame (transparency kept), not as uploaded?"""
    frames = [Image.new("RGBA", (100, 50), (255, 0, 0, 0)), Image.new("RGBA", (100, 50), "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    stored = media.store_image(tmp_path, buffer.getvalue())
    with Image.open(tmp_path / stored.name) as img:
        assert getattr(img, "n_frames", 1) == 1 and img.convert("RGBA").getpixel((0, 0))[3] == 0


def _with_payload(fmt: str) -> bytes:
    buffer = io.BytesIO()
    img = Image.new("RGB", (600, 300), "green")
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "<script>alert(1)</script>")
        img.save(buffer, "PNG", pnginfo=info)
    elif fmt == "JPEG":
        img.save(buffer, "JPEG", comment=b"<script>alert(1)</script>")
    else:
        img.save(buffer, "WEBP", exif=b"Exif\0\0<script>alert(1)</script>")
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_other_images_are_re_encoded_without_their_extras(tmp_path, fmt):
    """Are PNG text chunks, JPEG comments and (broken) WebP EXIF dropped, every file re-encoded?"""
    data = _with_payload(fmt)
    assert b"alert(1)" in data
    stored = media.store_image(tmp_path, data)
    for path in tmp_path.iterdir():
        assert path.read_bytes() != data and b"alert" not in path.read_bytes()
    assert stored.width == 600


def test_colour_profile_is_applied_then_dropped(tmp_path):
    """Is a photo with a colour profile converted to sRGB and stored without the profile?"""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(buffer, "PNG", icc_profile=profile)
    stored = media.store_image(tmp_path, buffer.getvalue())
    with Image.open(tmp_path / stored.name) as img:
        assert "icc_profile" not in img.info

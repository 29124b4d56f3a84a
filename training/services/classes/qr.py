"""QR codes as inline SVG, drawn on the server so posters need no JavaScript."""
from markupsafe import Markup


def qr_svg(text: str, scale: int = 8, title: str = "") -> Markup:
    """An <svg> element encoding text (a URL), safe to insert into a template."""
    import segno  # imported when used, so that web workers stay small

    code = segno.make(text, error="m", micro=False)
    # segno escapes the title and writes only its own markup.
    return Markup(code.svg_inline(scale=scale, border=2, title=title or None, svgclass="qr",
                                  lineclass=None, omitsize=True))

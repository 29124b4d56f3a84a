"""The certificate as a portrait PNG sized for WeChat (1080 × 1440), with the QR of its verify
URL, drawn with Pillow and a CJK font.

The texts are translated by the caller's locale: render it inside flask_babel.force_locale of
the certificate's language. The font comes from config FONT_PATH, else from a short list of
Debian's places (fonts-noto-cjk, which scripts/serve.sh and scripts/test.sh install, then
WenQuanYi); without one, `find_font` gives None and the view answers with a message page.
"""
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import segno
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from ...models import Certificate

WIDTH, HEIGHT = 1080, 1440
MARGIN = 96  # text keeps this far from the sides
CREAM, GOLD, DARK_GOLD, INK, GREY, RED = "#fffdf6", "#b08a2e", "#7a5a12", "#222222", "#666666", "#b00020"
QR_SCALE = 8
QR_BORDER = 2
# The QR keeps at least this many pixels a module (the text gets smaller first).
MIN_MODULE_PIXELS = 7

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",    # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",         # Fedora, Arch
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",            # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",              # fonts-wqy-zenhei
)
# A code point no font draws: its rendering is the font's "missing glyph" box.
NO_GLYPH = "\U0010fffd"


class FontMissing(RuntimeError):
    """No font with Chinese glyphs was found."""


def find_font(configured: str | None = None) -> str | None:
    """The path of the font to draw with: the configured one if it exists, else the first
    candidate found, else None."""
    for candidate in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return None


def _bold_of(path: str) -> str:
    bold = path.replace("Regular", "Bold")
    return bold if bold != path and Path(bold).is_file() else path


@functools.lru_cache(maxsize=16)
def _face_index(path: str) -> int:
    """In a font collection, the Simplified Chinese face (Noto CJK's "SC"); else the first."""
    for index in range(12):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0]
        except OSError:
            break
        if family.endswith(" SC") or "SC " in family:
            return index
    return 0


@functools.lru_cache(maxsize=64)
def load_font(path: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = _bold_of(path) if bold else path
    return ImageFont.truetype(path, size, index=_face_index(path))


def _mask_bytes(font: ImageFont.FreeTypeFont, char: str) -> tuple:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> set[str]:
    """The characters of `text` the font draws as its missing-glyph box (spaces aside)."""
    box = _mask_bytes(font, NO_GLYPH)
    return {c for c in set(text) if not c.isspace() and _mask_bytes(font, c) == box}


# A run of Latin letters/digits (kept together on a line) or any other single character.
_TOKENS = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+|.")


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of `text` no wider than `width`: Chinese breaks between any two characters, Latin
    between words (a word longer than the line is cut)."""
    lines, line = [], ""
    for token in _TOKENS.findall(text.strip()):
        if font.getlength(line + token.rstrip()) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = ""
        token = token.lstrip()
        while font.getlength(token.rstrip()) > width:  # a word wider than a line
            cut = max(1, next((i for i in range(len(token), 0, -1)
                               if font.getlength(token[:i]) <= width), 1))
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def facts(cert: Certificate) -> list[tuple[str, str]]:
    """The labelled facts the certificate states, in the current locale (same as the HTML face)."""
    rows = [(_("Completed on"), format_date(cert.completed_at, "long"))]
    if cert.hours is not None:
        rows.append((_("Study hours"), _("%(hours)s hours", hours=format_decimal(cert.hours))))
    if cert.final_score is not None:
        rows.append((_("Final exam score"), str(cert.final_score)))
    if cert.class_name:
        rows.append((_("Class"), cert.class_name))
    if cert.trainer_name:
        rows.append((_("Trainer"), cert.trainer_name))
    code = cert.code
    rows.append((_("Certificate code"), "-".join(code[i:i + 4] for i in range(0, len(code), 4))))
    return rows


def qr_image(url: str) -> Image.Image:
    """The verify URL's QR code, made by segno as PNG bytes in memory."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


@dataclass
class Drawn:
    image: Image.Image
    qr_box: tuple[int, int, int, int]  # where the QR was pasted (left, top, right, bottom)
    texts: list[str]                   # every text drawn (for the glyph check)
    boxes: list[tuple[int, int, int, int]]  # where each was drawn


class _Canvas:
    def __init__(self, font_path: str, scale: float):
        self.scale = scale
        self.image = Image.new("RGB", (WIDTH, HEIGHT), CREAM)
        self.draw = ImageDraw.Draw(self.image)
        self.font_path = font_path
        self.texts: list[str] = []
        self.boxes: list[tuple[int, int, int, int]] = []
        self.y = 0

    def font(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        return load_font(self.font_path, round(size * self.scale), bold)

    def text(self, xy: tuple[int, int], text: str, font: ImageFont.FreeTypeFont, colour: str,
             anchor: str = "la") -> None:
        self.draw.text(xy, text, font=font, fill=colour, anchor=anchor)
        self.texts.append(text)
        self.boxes.append(self.draw.textbbox(xy, text, font=font, anchor=anchor))

    def centred(self, text: str, size: int, colour: str = INK, bold: bool = False,
                max_lines: int = 3, gap: int = 12) -> None:
        font = self.font(size, bold)
        size = font.size
        lines = wrap(text, font, WIDTH - 2 * MARGIN)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = lines[-1][:-1] + "…"
        for line in lines:
            self.text((WIDTH // 2, self.y), line, font, colour, anchor="ma")
            self.y += int(size * 1.3)
        self.y += gap


def draw(cert: Certificate, verify_url: str, font_path: str) -> Drawn:
    """Draw the certificate in the current locale, with smaller type when long names and titles
    would leave the QR code too little room."""
    for scale in (1.0, 0.92, 0.84, 0.76, 0.68, 0.6):
        drawn = _draw(cert, verify_url, font_path, scale)
        if drawn is not None:
            return drawn
    return _draw(cert, verify_url, font_path, 0.5, force=True)


def _draw(cert: Certificate, verify_url: str, font_path: str, scale: float,
          force: bool = False) -> Drawn | None:
    canvas = _Canvas(font_path, scale)
    d = canvas.draw
    d.rectangle((24, 24, WIDTH - 25, HEIGHT - 25), outline=GOLD, width=8)
    d.rectangle((44, 44, WIDTH - 45, HEIGHT - 45), outline=GOLD, width=2)

    canvas.y = 84
    if cert.revoked:
        label = _("Revoked on %(date)s", date=format_date(cert.revoked_at))
        font = canvas.font(34, bold=True)
        d.rectangle((MARGIN, canvas.y - 8, WIDTH - MARGIN, canvas.y + 52), outline=RED, width=4)
        canvas.text((WIDTH // 2, canvas.y), label, font, RED, anchor="ma")
        canvas.y += 80
    if cert.centre_name:
        canvas.centred(cert.centre_name, 36, GREY, max_lines=2, gap=8)
    title = _("Certificate of Completion")
    # Spaced out like a printed certificate when it is Chinese (结 业 证 书).
    spaced = " ".join(title) if all("\u4e00" <= c <= "\u9fff" for c in title) else title
    canvas.centred(spaced, 96 if spaced != title else 64, DARK_GOLD, bold=True, max_lines=2, gap=28)
    canvas.centred(cert.learner_name, 68, INK, bold=True, max_lines=2, gap=4)
    canvas.centred(_("has completed the course"), 36, GREY, gap=4)
    canvas.centred(cert.course_title, 48, INK, bold=True, max_lines=3, gap=24)

    label_font, value_font = canvas.font(32), canvas.font(32, bold=True)
    row_height = int(value_font.size * 1.375)
    rows = facts(cert)
    label_width = int(max(label_font.getlength(label) for label, _value in rows)) + 28
    left = MARGIN + 40
    for label, value in rows:
        canvas.text((left, canvas.y), label, label_font, GREY)
        for line in wrap(value, value_font, WIDTH - MARGIN - left - label_width)[:2]:
            canvas.text((left + label_width, canvas.y), line, value_font, INK)
            canvas.y += row_height
        canvas.y += 4

    qr = qr_image(verify_url)
    # Fit the QR (and its caption and the note below it) in the space left.
    note = _("This is a certificate of completion from the training centre. It is not a vocational "
             "skill level certificate (职业技能等级证书), which only recognised assessment bodies issue.")
    note_font = canvas.font(24)
    note_lines = wrap(note, note_font, WIDTH - 2 * MARGIN)
    url_font = canvas.font(24)
    url_lines = wrap(verify_url, url_font, WIDTH - 2 * MARGIN)
    bottom = HEIGHT - 70 - len(note_lines) * 32
    space = bottom - canvas.y - 24 - 52 - len(url_lines) * 32 - 24
    modules = qr.width // QR_SCALE
    if space < modules * MIN_MODULE_PIXELS and not force:
        return None  # too small a QR for a camera: draw the text smaller
    side = min(qr.width, max(space, modules * 3))
    if side != qr.width:
        # Whole pixels per module keep the QR sharp for a camera.
        side = side // modules * modules
        qr = qr.resize((side, side), Image.NEAREST)
    top = canvas.y + 12
    box = ((WIDTH - side) // 2, top, (WIDTH - side) // 2 + side, top + side)
    canvas.image.paste(qr, box[:2])
    canvas.y = top + side + 8
    canvas.centred(_("Scan to verify"), 36, INK, bold=True, gap=0)
    for line in url_lines:
        canvas.text((WIDTH // 2, canvas.y), line, url_font, GREY, anchor="ma")
        canvas.y += 32

    y = HEIGHT - 70 - len(note_lines) * 32
    d.line((MARGIN, y - 16, WIDTH - MARGIN, y - 16), fill="#e0d3ad", width=2)
    for line in note_lines:
        canvas.text((WIDTH // 2, y), line, note_font, GREY, anchor="ma")
        y += 32
    return Drawn(canvas.image, box, canvas.texts, canvas.boxes)


def render_png(cert: Certificate, verify_url: str, font_path: str | None) -> bytes:
    """The certificate as PNG bytes; FontMissing when there is no font to draw with."""
    if font_path is None:
        raise FontMissing("no CJK font found (install fonts-noto-cjk or set FONT_PATH)")
    buffer = io.BytesIO()
    draw(cert, verify_url, font_path).image.save(buffer, format="PNG")
    return buffer.getvalue()

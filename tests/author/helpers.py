"""Building studio form submissions in tests."""
import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size=(1200, 800), color="green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def upload(data: bytes, name: str):
    """A file for the test client's form data."""
    return (io.BytesIO(data), name)


def question_form(kind: str, version: int, **extra) -> dict:
    """A complete, valid question of each kind."""
    form = {"kind": kind, "version": str(version), "action": "save",
            "prompt": f"A {kind} question?", "explanation": "Because that is how it works."}
    if kind in ("single", "multiple", "ordering"):
        texts = ["First", "Second", "Third"]
        for i, text in enumerate(texts):
            form[f"choice-{i}-text"] = text
        if kind == "single":
            form["correct"] = "1"
        elif kind == "multiple":
            form["choice-0-correct"] = "1"
            form["choice-2-correct"] = "1"
    elif kind == "true_false":
        form["answer"] = "true"
    elif kind == "short_text":
        form["accepted"] = "GMV\ngross merchandise value"
    form.update(extra)
    return form


def post_multipart(client, url: str, data: dict):
    """POST a multipart form, closing the temporary file the test client spools large bodies to."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=url, method="POST", data=data)
    request = builder.get_request()
    try:
        return client.open(request)
    finally:
        request.environ["wsgi.input"].close()
        builder.close()

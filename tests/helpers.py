"""Building quiz form submissions in tests, and counting a request's queries."""
import secrets

from flask_sqlalchemy.record_queries import get_recorded_queries

from training.models import Quiz


def statements_run() -> list[str]:
    """Every SQL statement this app context has run (recorded by Flask-SQLAlchemy)."""
    return [q.statement for q in get_recorded_queries()]


def answer_form(quiz: Quiz, correct: bool = True, token: str | None = None) -> dict:
    """Form data answering every question of a quiz, all right or all wrong."""
    data: dict = {"attempt_token": token or secrets.token_urlsafe(24)}
    for q in quiz.questions:
        name = f"q{q.id}"
        if q.kind == "single":
            pick = [c for c in q.choices if c.is_correct == correct][0]
            data[name] = str(pick.id)
        elif q.kind == "multiple":
            picks = [c for c in q.choices if c.is_correct] if correct else [
                c for c in q.choices if not c.is_correct]
            data[name] = [str(c.id) for c in picks]
        elif q.kind == "true_false":
            data[name] = "true" if q.answer["answer"] == correct else "false"
        elif q.kind == "short_text":
            data[name] = q.answer["accepted"][0] if correct else "no idea"
        elif q.kind == "ordering":
            n = len(q.choices)
            for place, c in enumerate(q.choices, start=1):
                data[f"{name}-{c.id}"] = str(place if correct else n + 1 - place)
    return data

"""Grading quiz answers. Pure functions over plain data: no database, no request.

A question snapshot is a dict: {"kind", "prompt", "explanation", "choices": [{"text",
"correct", ...}], "accepted": [...], "answer": bool}. Responses refer to choices by their
position in the snapshot:
- single: int; multiple: list[int]; true_false: bool; short_text: str;
- ordering: list[int], the step positions in the order the learner put them
  (the snapshot lists steps in their correct order).
"""
import unicodedata
from typing import Any


def normalize_text(text: str) -> str:
    """Compare short answers after NFKC (full-width to half-width), case folding and
    collapsing whitespace, so "ＧＰＭ " matches "gpm"."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(folded.split())


def is_correct(snapshot: dict[str, Any], response: Any) -> bool:
    kind = snapshot["kind"]
    choices = snapshot.get("choices", [])
    if response is None:
        return False
    if kind == "single":
        correct = [i for i, c in enumerate(choices) if c["correct"]]
        return correct == [response]
    if kind == "multiple":
        correct = {i for i, c in enumerate(choices) if c["correct"]}
        return set(response) == correct and len(response) == len(set(response))
    if kind == "true_false":
        return response is snapshot["answer"]
    if kind == "short_text":
        given = normalize_text(response)
        return bool(given) and given in {normalize_text(a) for a in snapshot["accepted"]}
    if kind == "ordering":
        return list(response) == list(range(len(choices)))
    raise ValueError(f"unknown question kind {kind!r}")


def response_text(snapshot: dict[str, Any], response: Any, true_label: str = "true",
                  false_label: str = "false") -> str:
    """The learner's answer as readable text, used to find the most chosen wrong answer."""
    kind = snapshot["kind"]
    texts = [c["text"] for c in snapshot.get("choices", [])]
    if response is None:
        text = ""
    elif kind == "single":
        text = texts[response]
    elif kind == "multiple":
        # Chinese lists take the enumeration comma (、), never " | " (issue 23).
        chinese = any("\u4e00" <= ch <= "\u9fff" for t in texts for ch in t)
        text = ("、" if chinese else "; ").join(texts[i] for i in sorted(response))
    elif kind == "true_false":
        text = true_label if response else false_label
    elif kind == "short_text":
        text = normalize_text(response)
    else:
        text = " → ".join(texts[i] for i in response)
    return text[:500]


def percent(part: int, whole: int) -> int:
    """Whole-number percent rounded half up; 0 when there is nothing to count."""
    if whole <= 0:
        return 0
    return (200 * part + whole) // (2 * whole)


def grade(snapshots: list[dict[str, Any]], responses: list[Any], pass_mark: int) -> dict[str, Any]:
    """Grade one attempt: which answers are right, the score in percent and whether it passes."""
    results = [is_correct(s, r) for s, r in zip(snapshots, responses, strict=True)]
    correct = sum(results)
    score = percent(correct, len(results))
    return {
        "results": results,
        "correct": correct,
        "total": len(results),
        "score": score,
        "passed": score >= pass_mark,
    }

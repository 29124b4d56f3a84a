"""Grading rules, fed plain dicts: no database."""
import pytest

from training.services.learning import scoring

SINGLE = {"kind": "single", "choices": [{"text": "a", "correct": False}, {"text": "b", "correct": True}]}
MULTI = {"kind": "multiple", "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": False},
                                         {"text": "c", "correct": True}]}
TF = {"kind": "true_false", "choices": [], "answer": False}
SHORT = {"kind": "short_text", "choices": [], "accepted": ["GPM", "千次观看成交额"]}
ORDER = {"kind": "ordering", "choices": [{"text": "1", "correct": False}, {"text": "2", "correct": False},
                                         {"text": "3", "correct": False}]}


@pytest.mark.parametrize("snapshot, response, expected", [
    (SINGLE, 1, True), (SINGLE, 0, False), (SINGLE, None, False),
    (MULTI, [0, 2], True), (MULTI, [0], False), (MULTI, [0, 1, 2], False), (MULTI, [], False),
    (TF, False, True), (TF, True, False), (TF, 0, False),
    (SHORT, "gpm", True), (SHORT, "  ＧＰＭ ", True), (SHORT, "千次观看  成交额", False),
    (SHORT, "千次观看成交额", True), (SHORT, "", False),
    (ORDER, [0, 1, 2], True), (ORDER, [1, 0, 2], False),
])
def test_is_correct(snapshot, response, expected):
    """Is each question type graded right, including full-width short answers?"""
    assert scoring.is_correct(snapshot, response) is expected


def test_normalize_text_folds_width_case_and_spaces():
    """Do full-width letters, capitals and repeated spaces compare equal?"""
    assert scoring.normalize_text("  Ｎｅｔ　　Weight ") == "net weight"


@pytest.mark.parametrize("part, whole, expected", [(0, 3, 0), (1, 3, 33), (2, 3, 67), (1, 2, 50),
                                                   (3, 3, 100), (0, 0, 0)])
def test_percent_rounds_half_up(part, whole, expected):
    """Are scores whole percents rounded half up?"""
    assert scoring.percent(part, whole) == expected


def test_grade_passes_at_the_mark():
    """Does a score equal to the pass mark pass, and one below fail?"""
    graded = scoring.grade([SINGLE, TF], [1, True], pass_mark=50)
    assert graded["score"] == 50 and graded["passed"] and graded["results"] == [True, False]
    assert not scoring.grade([SINGLE, TF], [1, True], pass_mark=51)["passed"]


def test_response_text_is_readable():
    """Is each answer kept as readable text for item analysis?"""
    assert scoring.response_text(MULTI, [2, 0]) == "a; c"
    assert scoring.response_text(ORDER, [2, 0, 1]) == "3 → 1 → 2"
    assert scoring.response_text(TF, True, "对", "错") == "对"
    assert scoring.response_text(SHORT, " ＧＰＭ") == "gpm"

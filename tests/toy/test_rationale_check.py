"""The toy rationale checker on hand-written rationales."""

from __future__ import annotations

from selfrat_eval.toy import check_toy_rationale

# 41 + 41 = 82, the response says 85: distance 3, label 3
TOTAL, ANSWER = 82, 85


def test_a_right_rationale_with_its_score_is_correct() -> None:
    check = check_toy_rationale("Feedback: ans 082, resp 085, diff 003. [RESULT] 3", TOTAL, ANSWER, 3)
    assert check.readable and check.right and check.consistent and check.correct


def test_a_wrong_sum_is_not_right() -> None:
    check = check_toy_rationale("ans 081, resp 085, diff 004.", TOTAL, ANSWER, 3)
    assert check.readable and not check.sum_right and not check.right and not check.correct
    assert check.consistent  # diff 4 -> score 3: consistent with its own (wrong) working


def test_a_wrong_difference_is_not_right() -> None:
    check = check_toy_rationale("ans 082, resp 085, diff 013.", TOTAL, ANSWER, 2)
    assert check.sum_right and check.response_right and not check.diff_right and not check.correct
    assert check.consistent  # 13 -> 2


def test_an_inconsistent_score_is_not_correct() -> None:
    check = check_toy_rationale("ans 082, resp 085, diff 003.", TOTAL, ANSWER, 5)
    assert check.right and not check.consistent and not check.correct
    assert not check_toy_rationale("ans 082, resp 085, diff 003.", TOTAL, ANSWER, None).consistent


def test_prose_is_unreadable() -> None:
    check = check_toy_rationale("The response looks close to the sum.", TOTAL, ANSWER, 4)
    assert not check.readable and not check.correct and check.to_dict()["correct"] is False

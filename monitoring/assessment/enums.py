"""Grades and workflow states of the quarterly provider assessment, with their labels."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class Grade(StrEnum):
    """The four grades of 每季度服务质量考核 (bands and fee factors live in the scheme)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"  # noqa: S105  (a grade, not a password)
    FAIL = "fail"

    @property
    def chinese(self) -> str:
        return GRADE_CHINESE[self]


GRADE_CHINESE: Final[dict[Grade, str]] = {
    Grade.EXCELLENT: "优秀",
    Grade.GOOD: "良好",
    Grade.PASS: "合格",
    Grade.FAIL: "不合格",
}

GRADE_LABELS: Final[dict[Grade, str]] = labelled(
    {
        Grade.EXCELLENT: N_("Excellent"),
        Grade.GOOD: N_("Good"),
        Grade.PASS: N_("Pass"),
        Grade.FAIL: N_("Fail"),
    }
)


class Direction(StrEnum):
    """Whether an indicator's value should be at least or at most its target."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class WhenMissing(StrEnum):
    """What a quarter without data for an indicator scores: full marks (nothing went wrong,
    e.g. no incident to respond to) or nothing (the provider owed a figure and gave none)."""

    FULL = "full"
    ZERO = "zero"


class AssessmentStatus(StrEnum):
    DRAFT = "draft"  # computed when the quarter closed; the provider may comment or appeal
    UNDER_REVIEW = "under_review"  # the comment window closed, or an appeal awaits the manager
    SIGNED = "signed"  # locked: the grade's fee factor flows into the settlement

    @property
    def locked(self) -> bool:
        return self is AssessmentStatus.SIGNED


STATUS_LABELS: Final[dict[AssessmentStatus, str]] = labelled(
    {
        AssessmentStatus.DRAFT: N_("Draft"),
        AssessmentStatus.UNDER_REVIEW: N_("Under review"),
        AssessmentStatus.SIGNED: N_("Signed"),
    }
)


class CommentKind(StrEnum):
    COMMENT = "comment"  # the provider's remark on the draft
    APPEAL = "appeal"  # the provider contests the draft: the manager must answer before signing
    REPLY = "reply"  # the cloud office's answer


COMMENT_LABELS: Final[dict[CommentKind, str]] = labelled(
    {
        CommentKind.COMMENT: N_("Comment"),
        CommentKind.APPEAL: N_("Appeal"),
        CommentKind.REPLY: N_("Reply"),
    }
)

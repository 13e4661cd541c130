"""What can go wrong in the assessment workflow, with the facts a page needs to say it."""

from __future__ import annotations

from infra.errors import Conflict


class AssessmentLocked(Conflict):
    """A signed assessment never changes."""

    code = "assessment_locked"

    def __init__(self, provider: str, quarter: str) -> None:
        self.provider, self.quarter = provider, quarter
        super().__init__("status", f"the assessment of {provider} for {quarter} is signed")


class CommentWindowClosed(Conflict):
    code = "comment_window_closed"

    def __init__(self, quarter: str, closed_at: str) -> None:
        self.quarter, self.closed_at = quarter, closed_at
        super().__init__("kind", f"comments and appeals on {quarter} closed at {closed_at}")


class CommentWindowOpen(Conflict):
    code = "comment_window_open"

    def __init__(self, quarter: str, closes_at: str) -> None:
        self.quarter, self.closes_at = quarter, closes_at
        super().__init__(
            "status", f"the provider may comment on {quarter} until {closes_at}: sign after that"
        )


class AppealUnanswered(Conflict):
    code = "appeal_unanswered"

    def __init__(self, quarter: str) -> None:
        self.quarter = quarter
        super().__init__("status", f"an appeal on {quarter} awaits the cloud office's reply")


class ScoreNotReproduced(Conflict):
    """Recomputing from the stored evidence gave another score: something was altered."""

    code = "score_not_reproduced"

    def __init__(self, stored: str, recomputed: str) -> None:
        self.stored, self.recomputed = stored, recomputed
        super().__init__("computed_score", f"stored {stored} but the evidence scores {recomputed}")

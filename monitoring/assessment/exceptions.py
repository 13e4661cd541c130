"""What can go wrong in the assessment workflow, with the facts a page needs to say it."""

from __future__ import annotations

from infra.errors import Conflict, says
from infra.labels import N_


class AssessmentLocked(Conflict):
    """A signed assessment never changes."""

    code = says(
        "assessment_locked",
        N_("The assessment of %(provider)s for %(quarter)s is signed: it no longer changes."),
    )

    def __init__(self, provider: str, quarter: str) -> None:
        self.provider, self.quarter = provider, quarter
        super().__init__(
            "status",
            f"the assessment of {provider} for {quarter} is signed",
            params={"provider": provider, "quarter": quarter},
        )


class CommentWindowClosed(Conflict):
    code = says(
        "comment_window_closed",
        N_("Comments and appeals on %(quarter)s closed at %(closed_at)s."),
    )

    def __init__(self, quarter: str, closed_at: str) -> None:
        self.quarter, self.closed_at = quarter, closed_at
        super().__init__(
            "kind",
            f"comments and appeals on {quarter} closed at {closed_at}",
            params={"quarter": quarter, "closed_at": closed_at},
        )


class CommentWindowOpen(Conflict):
    code = says(
        "comment_window_open",
        N_("The provider may comment on %(quarter)s until %(closes_at)s: sign after that."),
    )

    def __init__(self, quarter: str, closes_at: str) -> None:
        self.quarter, self.closes_at = quarter, closes_at
        super().__init__(
            "status",
            f"the provider may comment on {quarter} until {closes_at}: sign after that",
            params={"quarter": quarter, "closes_at": closes_at},
        )


class AppealUnanswered(Conflict):
    code = says(
        "appeal_unanswered", N_("An appeal on %(quarter)s awaits the cloud office's reply.")
    )

    def __init__(self, quarter: str) -> None:
        self.quarter = quarter
        super().__init__(
            "status",
            f"an appeal on {quarter} awaits the cloud office's reply",
            params={"quarter": quarter},
        )


QUARTER_NOT_OVER = says("quarter_not_over", N_("%(quarter)s has not ended yet."))
ADJUSTMENT_RANGE = says("adjustment_range", N_("An adjustment is at most ±%(maximum)s points."))
HUNDREDTHS = says("hundredths", N_("Enter at most two decimal places."))
AT_MOST_DECIMALS = says("at_most_decimals", N_("Enter at most %(places)s decimal places."))
NOT_NEGATIVE = says("not_negative", N_("Enter a number of at least 0."))
ANSWER_ONE_TO_FIVE = says(
    "answer_one_to_five", N_("Answer every question with 1 (very dissatisfied) to 5.")
)


class ScoreNotReproduced(Conflict):
    """Recomputing from the stored evidence gave another score: something was altered."""

    code = "score_not_reproduced"

    def __init__(self, stored: str, recomputed: str) -> None:
        self.stored, self.recomputed = stored, recomputed
        super().__init__("computed_score", f"stored {stored} but the evidence scores {recomputed}")

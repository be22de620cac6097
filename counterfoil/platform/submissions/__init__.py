"""Submissions: storing a resident's answers with the fee quoted on the server."""

from counterfoil.platform.submissions.references import new_reference
from counterfoil.platform.submissions.service import create_submission, submission_for

__all__ = ["create_submission", "new_reference", "submission_for"]

"""The resident pages: a council's services, each form page by page, check your answers, payment
return, confirmation and status. Every page works without JavaScript.

The journey (start, question and check-your-answers pages) serves any `FormSite`, so the studio's
preview runs these same pages on a draft."""

from __future__ import annotations

from typing import Any

from counterfoil.web.resident._common import CHECK_ANSWERS, FormSite, title
from counterfoil.web.resident._loading import CouncilView, load_draft
from counterfoil.web.resident.assets import brand_stylesheet, static_assets_router
from counterfoil.web.resident.check_answers import (
    check_answers,
    fee_lines,
    finished_journey,
    show_check_answers,
    submit,
)
from counterfoil.web.resident.fields import PageFields, error_summary
from counterfoil.web.resident.journey import Journey
from counterfoil.web.resident.pages import (
    answer_page,
    apply_row_buttons,
    form_post,
    question_page,
    repeaters,
    save_answer,
    services,
    show_question,
    show_start,
    start_page,
)
from counterfoil.web.resident.payment import (
    confirmation,
    payment_retry,
    payment_return,
    status_page,
)
from counterfoil.web.resident.summary import answer_rows, first_page_with_error

__all__ = [
    "CHECK_ANSWERS",
    "CouncilView",
    "FormSite",
    "Journey",
    "PageFields",
    "answer_rows",
    "apply_row_buttons",
    "error_summary",
    "fee_lines",
    "finished_journey",
    "first_page_with_error",
    "form_post",
    "load_draft",
    "repeaters",
    "resident_routes",
    "save_answer",
    "show_check_answers",
    "show_question",
    "show_start",
    "title",
]


def resident_routes() -> list[Any]:
    return [
        static_assets_router(),
        brand_stylesheet,
        services,
        start_page,
        question_page,
        answer_page,
        check_answers,
        submit,
        payment_return,
        payment_retry,
        confirmation,
        status_page,
    ]

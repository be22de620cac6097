"""The resident pages: a council's services, each form page by page, check your answers, payment
return, confirmation and status. Every page works without JavaScript."""

from __future__ import annotations

from typing import Any

from counterfoil.web.resident.assets import brand_stylesheet, static_assets_router
from counterfoil.web.resident.check_answers import check_answers, submit
from counterfoil.web.resident.pages import answer_page, question_page, services, start_page
from counterfoil.web.resident.payment import (
    confirmation,
    payment_retry,
    payment_return,
    status_page,
)

__all__ = ["resident_routes"]


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

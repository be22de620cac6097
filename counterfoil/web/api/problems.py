"""The API's error responses in its OpenAPI schema: every `/api/` operation answers errors as the
problem JSON that web/errors.py sends, not Litestar's default validation body, so clients and
schemathesis see what really comes back."""

from __future__ import annotations

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

API_PREFIX = "/api/"


class ProblemItem(msgspec.Struct):
    pointer: str  # JSON Pointer into the request body ("" for the whole request)
    message: str


class Problem(msgspec.Struct):
    """What web/errors.py's `problem()` sends for a machine."""

    status: int
    detail: str
    errors: list[ProblemItem]


_STATUSES = {
    400: "The request is malformed or has the wrong shape",
    401: "No API key, or an unknown or revoked one",
    403: "The key's roles do not allow this",
    404: "No such thing for this key",
    409: "The request clashes with the current state",
    413: "The request body is larger than the service accepts",
    422: "The values are well formed but not acceptable",
    429: "Too many requests from this client; see Retry-After",
    503: "A dependency cannot answer now; see Retry-After",
}
PROBLEM_RESPONSES = {
    status: ResponseSpec(data_container=Problem, description=text, generate_examples=False)
    for status, text in _STATUSES.items()
}


class ProblemResponses(ReceiveRoutePlugin):
    """Adds the problem responses to each API route as the app registers it (a handler's own
    declaration for a status wins)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API_PREFIX):
            return
        for handler in route.route_handlers:
            handler.responses = {**PROBLEM_RESPONSES, **(handler.responses or {})}

"""The built GOV.UK Frontend assets at /assets/ (where its CSS expects them) and each council's
brand stylesheet, so pages carry the council's colour without any inline style."""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Response, Router, get
from litestar.params import FromPath
from litestar.static_files import create_static_files_router

from counterfoil.platform.errors import NotFound
from counterfoil.web.resident._common import AnyRequest, with_platform
from counterfoil.web.resident._loading import load_council

# Written by frontend/build.sh (gitignored); missing files are 404s, never a failed start.
BUILD_DIR = Path(__file__).resolve().parent.parent / "static" / "build"
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_DEFAULT_COLOUR = "#0b0c0c"


def static_assets_router() -> Router:
    return create_static_files_router(
        path="/assets",
        directories=[BUILD_DIR],
        name="assets",
        include_in_schema=False,
        cache_control=None,
    )


@get("/assets/brand/{filename:str}", name="resident:brand", include_in_schema=False)
async def brand_stylesheet(request: AnyRequest, filename: FromPath[str]) -> Response[str]:
    council_slug = filename.removesuffix(".css")
    if council_slug == filename:
        raise NotFound("There is no such stylesheet")
    council = await with_platform(request, load_council, council_slug)
    return Response(
        brand_css(council.brand_colour),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=300"},
    )


def brand_css(colour: str) -> str:
    # The colour is an administrator's input: only a hex colour reaches the stylesheet.
    background = colour if _HEX.fullmatch(colour or "") else _DEFAULT_COLOUR
    text = "#0b0c0c" if _luminance(background) > 0.4 else "#ffffff"
    return (
        f".council-header{{background-color:{background};border-bottom-color:{background};"
        f"color:{text}}}\n"
        f".council-header__link,.council-header__link:link,.council-header__link:visited"
        f"{{color:{text}}}\n"
    )


def _luminance(colour: str) -> float:
    """WCAG relative luminance, to pick dark or light header text for a council's colour."""
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

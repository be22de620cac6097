"""The framework's own limit for bench/pages.py: a bare Litestar app rendering one Jinja2 template
of a given page's size (the same bytes, the title and token substituted per request), served as
`counterfoil web` serves (uvicorn with httptools on uvloop).

    python bench/_bare.py PORT PAGE.html
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

import uvicorn
import uvloop
from jinja2 import DictLoader, Environment
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig


def bare_app(page: str) -> Litestar:
    # the real page's markup kept verbatim (raw blocks), its title and CSRF token made variables
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    token = re.search(r'name="_csrf_token" value="([^"]*)"', page)
    if title is None or token is None:
        raise ValueError("the page has no title or no CSRF token")
    parts = [
        page[: title.start(1)],
        "{{ title }}",
        page[title.end(1) : token.start(1)],
        "{{ token }}",
        page[token.end(1) :],
    ]
    source = "".join(
        part if i % 2 else "{% raw %}" + part + "{% endraw %}" for i, part in enumerate(parts)
    )
    environment = Environment(loader=DictLoader({"page.html": source}), autoescape=True)

    @get("/page")
    async def render_page() -> Template:
        return Template("page.html", context={"title": "Question", "token": secrets.token_hex(8)})

    return Litestar(
        [render_page],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)),
    )


def main() -> None:
    port, page = int(sys.argv[1]), Path(sys.argv[2]).read_text()
    config = uvicorn.Config(bare_app(page), host="127.0.0.1", port=port, log_level="warning")
    uvloop.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()

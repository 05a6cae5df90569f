"""Open Home Assistant's frontend in Debian's headless Chromium, already logged in.

Playwright drives /usr/bin/chromium (never a downloaded browser build). Its locators pierce
the frontend's shadow DOM, so a test can look for an entity's name as a person would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from playwright.async_api import Page, Route, ViewportSize

    from .ha_api import Tokens

# As root in a sandbox without internet: no sandbox, no GPU, and no background traffic,
# whose refused connections otherwise pile up and stall page loads.
_CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Tall enough for the whole device page: it scrolls inside, so full_page does not help.
VIEWPORT: ViewportSize = {"width": 1280, "height": 2200}


def chromium_executable() -> str | None:
    """Return Debian's Chromium, or None when the package is not installed."""
    return shutil.which("chromium")


# The frontend's first load compiles and fetches a few MB of JavaScript.
RENDER_TIMEOUT_MS = 60_000


def update_docs_screenshot(screenshot: Path, docs_copy: Path) -> None:
    """Copy a test's screenshot over the docs' picture, when WHATSMINER_UPDATE_DOCS_SCREENSHOT=1."""
    if os.environ.get("WHATSMINER_UPDATE_DOCS_SCREENSHOT") == "1":
        docs_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, docs_copy)


# Skips a browser test where Chromium is missing.
needs_chromium = pytest.mark.skipif(
    chromium_executable() is None,
    reason="Debian's chromium is not installed (apt-get install chromium; scripts/setup does)",
)


@contextlib.asynccontextmanager
async def logged_in_page(base_url: str, tokens: Tokens) -> AsyncIterator[Page]:
    """Yield a page whose frontend finds `tokens` in localStorage and skips the login form.

    Requests to any other host (brand icons, fonts) are aborted so the page settles
    without waiting for a network this machine does not have.
    """
    executable = chromium_executable()
    if executable is None:
        raise RuntimeError("chromium is not installed")
    stored = json.dumps(tokens.frontend_storage(base_url))
    local_host = urlsplit(base_url).netloc

    async def keep_local(route: Route) -> None:
        if urlsplit(route.request.url).netloc == local_host:
            await route.continue_()
        else:
            await route.abort()

    # Imported here so that collecting the tests works where requirements/develop.txt is not
    # installed (the newest lane deselects the end-to-end tests but still imports them).
    from playwright.async_api import async_playwright  # noqa: PLC0415

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=_CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=VIEWPORT)
            await context.route("**/*", keep_local)
            await context.add_init_script(
                f"window.localStorage.setItem('hassTokens', {json.dumps(stored)});"
            )
            yield await context.new_page()
        finally:
            await browser.close()

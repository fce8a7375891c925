"""Shared test settings, and the browser fixtures (Debian's chromium driven by Playwright).

The browser is `/usr/bin/chromium` (installed by `tests/install-chromium.sh`),
never one downloaded by `playwright install`. Without it the browser tests
are skipped, except when the environment variable CI is "true", where a
missing browser fails them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{reason}; CI=true, so the browser tests must run (tests/install-chromium.sh)."
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Debian's chromium is not installed ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        _unavailable(f"{CHROMIUM} does not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@dataclass
class PageLog:
    """What a page did: every request, console message, page error and dialog."""

    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def console_errors(self) -> list[str]:
        """Console messages of type error, and uncaught exceptions."""
        return [text for kind, text in self.console if kind == "error"] + self.errors


@pytest.fixture
def open_map(chromium):
    """Open an HTML map from disk with the network off; return ``(page, log)``.

    Every request is recorded; any request not to ``file:`` (or ``data:``)
    is aborted, and the context is offline as well. Dialogs (``alert``) are
    recorded and dismissed.
    """
    contexts = []

    def _open(path: Path, *, width: int = 1280, height: int = 800, wait: bool = True):
        context = chromium.new_context(
            viewport={"width": width, "height": height}, service_workers="block"
        )
        contexts.append(context)
        context.set_offline(True)
        log = PageLog()

        def route(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda request: log.requests.append(request.url))
        page.on("console", lambda msg: log.console.append((msg.type, msg.text)))
        page.on("pageerror", lambda exc: log.errors.append(str(exc)))

        def on_dialog(dialog):
            log.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri())
        if wait:
            page.wait_for_function("window.ictMap !== undefined", timeout=30_000)
        return page, log

    yield _open
    for context in contexts:
        context.close()

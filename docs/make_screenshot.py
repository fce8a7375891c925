"""Refresh ``docs/map.png``, the README's picture of the map of the bundled layers.

Builds the map of the bundled Nam Định layers (the 2G switch-off metric),
opens it offline in Debian's headless Chromium (``/usr/bin/chromium``,
installed by ``tests/install-chromium.sh``, driven by Playwright from the
``test`` extra) and writes the screenshot atomically. Run it by hand from the
project root when the map's look changes, and commit the picture::

    python docs/make_screenshot.py            # writes docs/map.png
    python docs/make_screenshot.py -o x.png   # writes x.png instead

The tests never write into the repository; ``tests/test_map_browser.py``
calls :func:`screenshot` with its own browser and a temporary file.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

#: Where the README's picture lives.
SCREENSHOT = Path(__file__).resolve().parent / "map.png"
#: Debian's chromium (never one downloaded by ``playwright install``).
CHROMIUM = "/usr/bin/chromium"
#: Size of the picture, in CSS pixels.
SIZE = (1100, 720)


def screenshot(browser, html: Path, *, size: tuple[int, int] = SIZE) -> bytes:
    """Return a PNG screenshot of the map ``html`` opened offline in ``browser``.

    Parameters
    ----------
    browser
        A Playwright ``Browser``.
    html
        An HTML map written by :func:`ict_gis.build_map` (``.save``).
    size
        Width and height of the page, in CSS pixels.

    Returns
    -------
    bytes
        The PNG file.
    """
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height}, service_workers="block"
    )
    try:
        context.set_offline(True)
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("file:", "data:"))
                else route.abort()
            ),
        )
        page = context.new_page()
        page.goto(html.resolve().as_uri())
        page.wait_for_function("window.ictMap !== undefined", timeout=30_000)
        page.wait_for_timeout(500)  # the canvas layers finish drawing
        return page.screenshot(type="png")
    finally:
        context.close()


def main(argv: list[str] | None = None) -> Path:
    """Write the screenshot of the bundled layers' map (``docs/map.png`` by default).

    Parameters
    ----------
    argv
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=SCREENSHOT, help="PNG file to write")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    import ict_gis

    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "map.html"
        ict_gis.build_map(ict_gis.bundled_layers(), metric="switch_off_2g").save(str(html))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            try:
                png = screenshot(browser, html)
            finally:
                browser.close()
    from ict_gis import io

    written = io.write_bytes(png, args.output)
    print(f"Wrote {written} ({len(png):,} bytes).")
    return written


if __name__ == "__main__":
    main()

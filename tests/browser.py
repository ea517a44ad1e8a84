"""Headless Chromium for the browser tests: Debian's `chromium`, driven by PyPI's playwright.

Playwright's own browser download is unreachable here, so it launches the system's Chromium
(`executable_path`); `make test` installs Debian's package where it can (Makefile: test-tools).
Where there is none, the tests that need it skip and say why. The flags keep Chromium off
the network (its background services would otherwise try, and fail, to reach Google) and let
it run as root in a container.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("MTQG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (playwright ``Browser``), one per test session."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium: install Debian's package (apt-get install chromium) or set MTQG_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - playwright is in the dev extra
        pytest.skip(f"playwright is not installed ({error})")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh page (own cookies and storage) at 1400x1000."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    try:
        yield context.new_page()
    finally:
        context.close()

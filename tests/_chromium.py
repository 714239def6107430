"""Debian's headless Chromium for the browser tests: its path and launch flags, in one place
(the e2e journey and the dashboard's chart test launch it through Playwright, the report's
offline test runs the binary itself with the same flags)."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
#: no sandbox (containers run as root), no GPU, and nothing that reaches the network by itself
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright: Any) -> Any:
    """A headless Chromium browser of ``sync_playwright()``'s ``playwright``."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)  # fmt: skip

"""Signing in for the browser tests (a module of its own: test files import it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page


@dataclass(frozen=True)
class SignedIn:
    """A page signed in as an admin of ``workspace``; ``at(path)`` is the workspace's URL."""

    page: Page
    workspace: str

    def at(self, path: str) -> str:
        return f"/w/{self.workspace}/{path.lstrip('/')}"


def sign_up(page: Page, email: str, password: str, workspace_name: str) -> str:
    """Create the first owner and a workspace through ``/signup`` and ``/login`` (the forms of
    the accounts work: fields ``email``, ``password``, ``workspace_name``); the workspace id
    is read from the ``/w/{id}/`` URL the app lands on."""
    page.goto("/signup")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.fill("input[name=workspace_name]", workspace_name)
    page.click("button[type=submit]")
    if "/login" in page.url:
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
    found = re.search(r"/w/([^/]+)/", page.url)
    assert found, f"signing up did not land on a workspace page: {page.url}"
    return found.group(1)

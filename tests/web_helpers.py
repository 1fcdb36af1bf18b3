"""Helpers for console tests: log in through the login form and post forms with the CSRF token."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token in a page."""
    m = CSRF.search(html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def login(client: Any, username: str, password: str = "gridloop-demo") -> Any:
    """Log in through the form; returns the response after redirects."""
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text), "next": "/"},
        follow_redirects=True,
    )
    assert r.status_code == 200, r.text[:500]
    return r


def post_form(client: Any, url: str, data: dict[str, Any], *, from_page: str) -> Any:
    """Post a form with the CSRF token of `from_page`, without following the redirect."""
    token = csrf_of(client.get(from_page).text)
    return client.post(url, data={**data, "csrf": token}, follow_redirects=False)

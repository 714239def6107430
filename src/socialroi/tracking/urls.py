"""Target URLs of tracked links: which are allowed, and how UTM tags are merged into them.

Only absolute ``http``/``https`` URLs with a host are allowed (reliability.md scenario 15):
``javascript:``, ``data:``, ``file:``, ``vbscript:``, ``mailto:`` in any case, scheme-relative
``//evil``, ``http:evil`` (no ``//``), credentials (``http://x@evil``: the user sees ``x``, the
browser goes to ``evil``), backslashes (browsers read ``\\`` as ``/``) and control characters or
spaces anywhere are all refused. The same check runs when a link is created and again at every
redirect, so a target written into the database by any other path is never followed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from socialroi.errors import ConfigError

__all__ = ["UnsafeURL", "check_target", "merge_query"]

_HOST = re.compile(r"^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$")
_MAX_URL = 2000


class UnsafeURL(ConfigError):
    """Raised when a link target is not an absolute http(s) URL that is safe to redirect to."""


def check_target(url: str) -> str:
    """``url`` unchanged if it is a safe redirect target; raises :class:`UnsafeURL` otherwise."""

    def refuse(why: str) -> UnsafeURL:
        shown = url if len(url) <= 80 else url[:77] + "..."
        return UnsafeURL(
            f"link target {shown!r} refused: {why}",
            hint="use an absolute URL starting with https:// (or http://) and a host name",
        )

    if not isinstance(url, str) or not url:
        raise refuse("empty")
    if len(url) > _MAX_URL:
        raise refuse(f"longer than {_MAX_URL} characters")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise refuse("it contains a space or a control character")
    if "\\" in url:
        raise refuse("it contains a backslash")
    scheme, sep, rest = url.partition(":")
    if not sep or scheme.lower() not in ("http", "https") or scheme.lower() != scheme:
        raise refuse("only http:// and https:// targets are allowed")
    if not rest.startswith("//"):
        raise refuse("the scheme must be followed by // and a host")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refuse(f"it is not a valid URL ({exc})") from None
    if "@" in parts.netloc:
        raise refuse("credentials (user@host) are not allowed")
    host = parts.hostname or ""
    netloc_host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if not host or not _HOST.match(netloc_host) or host.startswith(".") or ".." in host:
        raise refuse("it has no valid host name")
    return url


def merge_query(url: str, params: Sequence[tuple[str, str]], *, override: bool = True) -> str:
    """``url`` with ``params`` added to its query, URL-encoded; existing parameters and the
    fragment are kept. With ``override`` a parameter in ``params`` replaces one of the same name
    already in the URL; without, the URL's own value wins."""
    parts = urlsplit(url)
    existing = parse_qsl(parts.query, keep_blank_values=True)
    names = {k for k, _ in params}
    if override:
        kept = [(k, v) for k, v in existing if k not in names]
        merged = kept + list(params)
    else:
        have = {k for k, _ in existing}
        merged = existing + [(k, v) for k, v in params if k not in have]
    return urlunsplit(parts._replace(query=urlencode(merged, doseq=False)))


def query_params(query: str) -> list[tuple[str, str]]:
    """The parameters of a query string, in order (blank values kept)."""
    return parse_qsl(query, keep_blank_values=True)


def as_pairs(values: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """The non-empty entries of ``values`` as query pairs."""
    return [(k, v) for k, v in values.items() if v]

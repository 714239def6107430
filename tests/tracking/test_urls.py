"""Safe redirect targets (reliability.md scenario 15) and UTM merging (scenario 17)."""

from __future__ import annotations

import pytest

from socialroi.tracking import UnsafeURL, check_target, merge_query

TRICKY = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox(1)",
    "mailto:a@b.c",
    "//evil.com",
    "evil.com",
    "http:evil.com",
    "https:/evil.com",
    "http://x@evil.com",
    "http://user:pw@evil.com/",
    "http://evil.com\\@good.com",
    "https:\\\\evil.com",
    "http://good.com/\x00",
    "http://good.com/\r\nLocation: http://evil.com",
    "http://good.com/\t",
    " http://good.com",
    "http://good .com",
    "HTTP://good.com",
    "http://",
    "http://.evil.com",
    "http://good..com",
    "ftp://good.com",
    "http://good.com:99999/",
    "",
]


@pytest.mark.parametrize("url", TRICKY)
def test_tricky_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL, match="refused"):
        check_target(url)


@pytest.mark.parametrize(
    "url",
    ["https://good.com", "http://good.com:8080/a?b=1#c", "https://[::1]/x", "https://a.b.c/é"],
)
def test_plain_http_targets_pass(url: str) -> None:
    assert check_target(url) == url


def test_merge_keeps_query_and_fragment_and_encodes() -> None:
    out = merge_query(
        "https://shop.example/p?a=1&utm_source=old#top",
        [("utm_source", "linkedin"), ("utm_campaign", "spring sale & more/é")],
    )
    # a=1 kept first, the link's utm_source replaces the target's, values percent-encoded
    assert out == (
        "https://shop.example/p?a=1&utm_source=linkedin"
        "&utm_campaign=spring+sale+%26+more%2F%C3%A9#top"
    )


def test_merge_without_override_keeps_the_urls_value() -> None:
    out = merge_query("https://x.io/?a=1", [("a", "2"), ("b", "3")], override=False)
    assert out == "https://x.io/?a=1&b=3"

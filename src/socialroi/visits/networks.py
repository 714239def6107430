"""Network resolution: which social network a utm_source, referrer or click id points to.

Order for a visit (``../shared/specs/channels.md`` §3, ``docs/visits.md``): a tracked link's
post (its profile's network, else the link's utm_source), then the visit's utm_source, then an
ad click id, then the referrer host. Everything here builds Ibis expressions; nothing executes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from socialroi.schema.entities import NETWORK_ALIASES, NETWORKS
from socialroi.visits._text import trim
from socialroi.visits.sources import MASTODON_INSTANCES, NETWORK_HOSTS, SOURCE_ALIASES

__all__ = ["host_of", "network_from_referrer", "network_from_source"]

#: scheme://host of a URL; only http, https and android-app referrers count (channels.md §3)
_HOST = r"^(?:https?|android-app)://([^/?#:@]+)"


def host_of(url: ir.StringValue) -> ir.StringValue:
    """The lower-cased host of an http(s) or android-app URL without a leading ``www.``.

    Null for a null URL, another scheme (``file:``, ``about:``) or a URL without a host.
    """
    host = trim(url).lower().re_extract(_HOST, 1).re_replace(r"^www\.", "")
    return host.nullif("")


def _suffix_pattern(hosts: Iterable[str]) -> str:
    """A regex matching any of ``hosts`` or a subdomain of one of them."""
    alternatives = "|".join(re.escape(h.strip().lower()) for h in hosts if h.strip())
    return rf"(^|\.)({alternatives})$"


def network_from_referrer(
    host: ir.StringValue, *, mastodon_instances: Iterable[str] = MASTODON_INSTANCES
) -> ir.StringValue:
    """The network of a referrer host (suffix match after stripping ``www.``), else null.

    Parameters
    ----------
    host
        A host such as ``l.facebook.com`` or an Android app id (``com.linkedin.android``);
        :func:`host_of` gives it from a URL.
    mastodon_instances
        Hosts that count as ``mastodon``; any host whose first label is ``mastodon`` or
        ``mstdn`` counts too.

    Returns
    -------
    ir.StringValue
        One of ``NETWORKS`` or null (``x.com`` → ``x``, ``youtu.be`` → ``youtube``).
    """
    h = trim(host).lower().re_replace(r"^www\.", "")
    branches = [
        (h.re_search(_suffix_pattern(hosts)).fill_null(False), network)
        for network, hosts in NETWORK_HOSTS.items()
    ]
    mastodon = h.re_search(_suffix_pattern(mastodon_instances)) | h.re_search(
        r"^(mastodon|mstdn)\."
    )
    branches.append((mastodon.fill_null(False), "mastodon"))
    result: ir.StringValue = ibis.cases(*branches, else_=ibis.null("string"))
    return result


def network_from_source(source: ir.StringValue) -> ir.StringValue:
    """The network a utm_source names, else null.

    ``fb``, ``ig``, ``twitter``, ``x``, ``yt``, ``bsky`` … (the contract's NETWORK_ALIASES plus
    Plausible's spellings) map directly; a source that is a host (``lnkd.in``, ``t.co``,
    ``l.facebook.com``) goes through :func:`network_from_referrer`. ``other`` maps to itself.
    """
    s = trim(source).lower()
    aliases = {**{n: n for n in NETWORKS}, **NETWORK_ALIASES, **SOURCE_ALIASES}
    exact: ir.StringValue = s.substitute(aliases, else_=ibis.null("string"))
    return exact.coalesce(network_from_referrer(s))

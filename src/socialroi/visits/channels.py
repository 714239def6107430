"""GA4 default channel group, as one Ibis expression.

Rules and their order follow Google's definition (support.google.com/analytics/answer/9756891)
as restated by Velir/dbt-ga4 ``macros/default_channel_grouping.sql``; see
``../shared/specs/channels.md`` §1 and ``docs/visits.md``. Source categories are data
(:mod:`socialroi.visits.sources`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from socialroi.visits._text import trim
from socialroi.visits.sources import (
    SEARCH_SOURCES,
    SHOPPING_SOURCES,
    SOCIAL_SOURCES,
    VIDEO_SOURCES,
)

__all__ = ["CHANNELS", "PAID_MEDIUM", "SHOPPING_CAMPAIGN", "default_channel_group"]

#: Every value default_channel_group can return, in rule order.
CHANNELS: tuple[str, ...] = (
    "Direct",
    "Cross-network",
    "Paid Shopping",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Display",
    "Paid Other",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "Organic Search",
    "Referral",
    "Email",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Unassigned",
)

#: Google's "paid" medium regex (`cpm`, `ecpm`, `paidsocial` match; `social-paid` does not).
PAID_MEDIUM = r"^(.*cp.*|ppc|retargeting|paid.*)$"
#: Google's shopping-campaign regex (`shop`, `eshop_q4` match; `workshop`, `webshop` do not).
SHOPPING_CAMPAIGN = r"^(.*(([^a-df-z]|^)shop|shopping).*)$"

_DISPLAY_MEDIA = ("display", "banner", "expandable", "interstitial", "cpm")
_SOCIAL_MEDIA = ("social", "social-network", "social-media", "sm", "social network", "social media")
_REFERRAL_MEDIA = ("referral", "app", "link")
_EMAIL = r"email|e-mail|e_mail|e mail"


def default_channel_group(
    source: ir.StringValue, medium: ir.StringValue, campaign: ir.StringValue
) -> ir.StringValue:
    """The GA4 default channel group of a source/medium/campaign triple.

    Inputs are lower-cased and trimmed first; the rules are tried top-down and the first match
    wins (``Unassigned`` when none does). ``cat`` is the source's category in Google's list.

    Parameters
    ----------
    source, medium, campaign
        String expressions (utm_source, utm_medium, utm_campaign or their resolved values);
        nulls are allowed.

    Returns
    -------
    ir.StringValue
        One of :data:`CHANNELS`. ``(direct)`` with medium ``(none)``/``(not set)``/null, and a
        null source with a null medium, are ``Direct``.

    Tested by ``tests/visits/test_channels.py::test_verified_examples``.
    """
    s = trim(source.lower())
    m = trim(medium.lower())
    c = trim(campaign.lower())
    paid = m.re_search(PAID_MEDIUM).fill_null(False)
    shop_campaign = c.re_search(SHOPPING_CAMPAIGN).fill_null(False)
    social = s.isin(SOCIAL_SOURCES).fill_null(False)
    search = s.isin(SEARCH_SOURCES).fill_null(False)
    shopping = s.isin(SHOPPING_SOURCES).fill_null(False)
    video = s.isin(VIDEO_SOURCES).fill_null(False)
    direct = ((s == "(direct)") & m.fill_null("(none)").isin(("(none)", "(not set)"))) | (
        s.isnull() & m.isnull()
    )
    result = ibis.cases(
        # 1 Direct: source (direct) and medium (none)/(not set); dbt-ga4: both null
        (direct.fill_null(False), "Direct"),
        # 2 Cross-network: campaign contains cross-network
        (c.contains("cross-network").fill_null(False), "Cross-network"),
        # 3 Paid Shopping: (cat SHOPPING or campaign ~ SHOPCAMP) and medium ~ PAID
        ((shopping | shop_campaign) & paid, "Paid Shopping"),
        # 4 Paid Search: cat SEARCH and medium ~ PAID
        (search & paid, "Paid Search"),
        # 5 Paid Social: cat SOCIAL and medium ~ PAID
        (social & paid, "Paid Social"),
        # 6 Paid Video: cat VIDEO and medium ~ PAID
        (video & paid, "Paid Video"),
        # 7 Display: medium in display, banner, expandable, interstitial, cpm
        (m.isin(_DISPLAY_MEDIA).fill_null(False), "Display"),
        # 8 Paid Other: medium ~ PAID
        (paid, "Paid Other"),
        # 9 Organic Shopping: cat SHOPPING or campaign ~ SHOPCAMP
        (shopping | shop_campaign, "Organic Shopping"),
        # 10 Organic Social: cat SOCIAL or a social medium
        (social | m.isin(_SOCIAL_MEDIA).fill_null(False), "Organic Social"),
        # 11 Organic Video: cat VIDEO or medium ~ video
        (video | m.contains("video").fill_null(False), "Organic Video"),
        # 12 Organic Search: cat SEARCH or medium organic
        (search | (m == "organic").fill_null(False), "Organic Search"),
        # 13 Referral: medium in referral, app, link
        (m.isin(_REFERRAL_MEDIA).fill_null(False), "Referral"),
        # 14 Email: source or medium matches email|e-mail|e_mail|e mail (substring, dbt-ga4)
        (
            s.re_search(_EMAIL).fill_null(False) | m.re_search(_EMAIL).fill_null(False),
            "Email",
        ),
        # 15 Affiliates: medium affiliate
        ((m == "affiliate").fill_null(False), "Affiliates"),
        # 16 Audio: medium audio
        ((m == "audio").fill_null(False), "Audio"),
        # 17 SMS: source or medium sms
        (((s == "sms") | (m == "sms")).fill_null(False), "SMS"),
        # 18 Mobile Push Notifications: medium ends with push or contains mobile/notification,
        #    or source firebase
        (
            (
                m.endswith("push")
                | m.contains("mobile")
                | m.contains("notification")
                | (s == "firebase")
            ).fill_null(False),
            "Mobile Push Notifications",
        ),
        else_="Unassigned",
    )
    return result

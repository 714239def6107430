from __future__ import annotations

import pytest

from socialroi.tracking import bot_name, is_spam_referrer

PREVIEWS = {
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)": (
        "facebookexternalhit"
    ),
    "Twitterbot/1.0": "twitterbot",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)": (
        "linkedinbot"
    ),
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)": "slackbot",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)": "discordbot",
    "WhatsApp/2.23.20.0": "whatsapp",
    "TelegramBot (like TwitterBot)": "telegrambot",
    "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)": "mastodon",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36": "headlesschrome",
}


@pytest.mark.parametrize(("ua", "name"), sorted(PREVIEWS.items()))
def test_preview_fetchers_are_named(ua: str, name: str) -> None:
    assert bot_name(ua) == name


def test_crawlers_from_the_maintained_list() -> None:
    ua = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    name = bot_name(ua)
    assert name is not None and name.startswith("crawler:")


@pytest.mark.parametrize("ua", [None, "", "   "])
def test_no_user_agent_is_a_bot(ua: str | None) -> None:
    assert bot_name(ua) == "empty"


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
    ],
)
def test_browsers_are_not_bots(ua: str) -> None:
    assert bot_name(ua) is None


def test_spam_referrers_match_on_host_suffix() -> None:
    assert is_spam_referrer("semalt.com")
    assert is_spam_referrer("ru.semalt.com")
    assert not is_spam_referrer("notsemalt.com")
    assert not is_spam_referrer(None)
    assert is_spam_referrer("spam.example", extra={"spam.example"})

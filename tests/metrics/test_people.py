"""Identity (visitor → contact) and first touch (``socialroi.metrics.people``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.metrics import customers, first_touch, person_visits, visitor_contacts
from socialroi.visits import sessions


def _contact(duck: DuckDBEngine, contact_id: str, created_at: str, **extra: object) -> None:
    insert(duck, "contacts", {"contact_id": contact_id, "created_at": created_at, **extra})


def _links(duck: DuckDBEngine) -> list[tuple[str, str, str]]:
    rows = duck.execute(visitor_contacts(duck.tables("ws")).order_by("visitor_id")).to_pylist()
    return [(r["visitor_id"], r["contact_id"], r["linked_by"]) for r in rows]


def test_identity_precedence_and_conflicts(duck: DuckDBEngine) -> None:
    # va: the CRM says c2, an event says c1 → the CRM wins (precedence 1 over 2)
    _contact(duck, "c1", "2025-01-01 00:00:00", email="one@example.com")
    _contact(duck, "c2", "2025-02-01 00:00:00", visitor_id="va", email="two@example.com")
    insert(duck, "web_events", web_event("e1", "va", "2025-03-01 10:00:00", "identify",
                                         contact_id="c1"))  # fmt: skip
    # vb: events name c2 and c1 → same precedence: the earliest-created contact, c1
    insert(duck, "web_events", web_event("e2", "vb", "2025-03-01 10:00:00", "identify",
                                         contact_id="c2"))  # fmt: skip
    insert(duck, "web_events", web_event("e3", "vb", "2025-03-01 10:01:00", "identify",
                                         contact_id="c1"))  # fmt: skip
    # vc: an event names an unknown contact, the email matches c2 (normalised) → c2 by email
    insert(
        duck,
        "web_events",
        web_event(
            "e4",
            "vc",
            "2025-03-01 10:00:00",
            "identify",
            contact_id="ghost",
            email="  TWO@example.com",
        ),
    )
    # vd: an email shared by c3 (created later) and c4 (earlier) → c4
    _contact(duck, "c3", "2025-03-01 00:00:00", email="shared@example.com")
    _contact(duck, "c4", "2025-01-15 00:00:00", email="Shared@Example.com")
    insert(
        duck,
        "web_events",
        web_event("e5", "vd", "2025-03-01 10:00:00", "pageview", email="shared@example.com"),
    )
    # ve: nothing links it
    insert(duck, "web_events", web_event("e6", "ve", "2025-03-01 10:00:00", "pageview"))
    assert _links(duck) == [
        ("va", "c2", "contact_visitor_id"),
        ("vb", "c1", "event_contact_id"),
        ("vc", "c2", "email"),
        ("vd", "c4", "email"),
    ]  # fmt: skip


def test_first_touch(duck: DuckDBEngine) -> None:
    # c1 has two visitors: va's visit (03-02, linkedin) is later than vb's (03-01, google)
    _contact(duck, "c1", "2025-03-05 00:00:00", visitor_id="va", email="c1@example.com")
    insert(
        duck,
        "web_events",
        web_event("e1", "va", "2025-03-02 10:00:00", "pageview", ("linkedin", "social")),
    )
    insert(
        duck,
        "web_events",
        web_event(
            "e2",
            "vb",
            "2025-03-01 10:00:00",
            "pageview",
            None,
            "https://www.google.com/",
            email="c1@example.com",
        ),
    )
    # c2: no visit, HubSpot display name and a network alias → Paid Social, x
    _contact(
        duck,
        "c2",
        "2025-03-05 00:00:00",
        original_source="Paid Social",
        original_source_detail=" Twitter ",
    )
    # c3: no visit, a detail that names no network → Organic Social, no network
    _contact(
        duck,
        "c3",
        "2025-03-05 00:00:00",
        original_source="SOCIAL_MEDIA",
        original_source_detail="Some forum",
    )
    # c4: no visit, an unknown source → Unassigned (its detail is ignored)
    _contact(
        duck,
        "c4",
        "2025-03-05 00:00:00",
        original_source="carrier pigeon",
        original_source_detail="linkedin",
    )
    # vz: an anonymous visitor from the newsletter
    insert(duck, "web_events", web_event("e3", "vz", "2025-03-01 10:00:00", "pageview",
                                         ("newsletter", "email")))  # fmt: skip
    t = duck.tables("ws")
    pv = person_visits(sessions(t), visitor_contacts(t))
    rows = duck.execute(first_touch(t, pv).order_by("person_id")).to_pylist()
    assert [(r["person_id"], r["channel"], r["network"], r["touch"]) for r in rows] == [
        ("contact:c1", "Organic Search", None, "visit"),
        ("contact:c2", "Paid Social", "x", "original_source"),
        ("contact:c3", "Organic Social", None, "original_source"),
        ("contact:c4", "Unassigned", None, "original_source"),
        ("visitor:vz", "Email", None, "visit"),
    ]


@pytest.mark.spark
def test_padded_crm_values_read_the_same_on_spark(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    # ibis' strip() compiles for Spark as TRIM(' \t\n\r\v\f' FROM x), which Spark reads as the
    # letters v and f: ' facebook' lost its f there. Padded values must come out trimmed on both.
    _contact(duck, "c1", "2025-03-01 00:00:00", original_source=" SOCIAL_MEDIA ",
             original_source_detail=" facebook ", email=" Fe@Example.com ")  # fmt: skip
    insert(duck, "web_events", web_event("e1", "vf", "2025-03-02 10:00:00", "identify",
                                         email="fe@example.com"))  # fmt: skip
    insert(duck, "deals", {"deal_id": "d1", "contact_id": "c1", "created_at": "2025-03-03",
                           "stage": " won ", "closed_at": "2025-03-04", "amount": 10.0,
                           "amount_base": 10.0})  # fmt: skip

    def run(engine: Engine) -> dict[str, Any]:
        t = engine.tables("ws")
        links = visitor_contacts(t)
        touch = engine.execute(first_touch(t, person_visits(sessions(t), links))).to_pylist()
        won = engine.execute(customers(t, links).count()).to_pylist()
        return {"touch": touch, "links": engine.execute(links).to_pylist(), "won": won}

    got = same_on_both(duck, run)
    assert [(r["person_id"], r["network"]) for r in got["touch"] if r["person_id"] == "contact:c1"]
    assert got["links"][0]["contact_id"] == "c1"  # the padded, mixed-case email matched
    assert got["won"] == [{"value": 1}]

"""Demo rows for the contractor network (issue 19): job settings, service areas around the demo
offices, contractors of both kinds, and a priority zone. Deterministic and idempotent (nothing is
added when job types exist), written through the network's own verbs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.bindings import Bindings
from core.records import SYSTEM
from network import areas, contractors, zones
from network import settings as job_settings

JOB_TYPES = ("Garage Door Repair", "Garage Door Install", "Sliding Door Repair", "Gate Repair", "Locksmith")
JOB_PARTNERS = (("GDQ Leads", 15), ("Nehoray Leads", 20), ("Raful", 10))
CANCEL_REASONS = ("Customer cancelled", "Price too high", "No show", "Duplicate job")
JOB_TAGS = (("VIP", "#d97706"), ("Warranty", "#2563eb"), ("Commercial", "#0f766e"), ("Callback", "#b42318"))

# (label, main ZIP, area code, office address): New York, Los Angeles and Chicago, the demo offices' cities.
AREAS = (
    ("Brooklyn", "11201", "718", "100 Court St, Brooklyn, NY 11201"),
    ("Queens", "11375", "718", ""),
    ("Bronx", "10451", "718", ""),
    ("Staten Island", "10301", "718", ""),
    ("Hoboken", "07030", "201", "50 Washington St, Hoboken, NJ 07030"),
    ("Newark", "07102", "973", ""),
    ("Yonkers", "10701", "914", ""),
    ("White Plains", "10601", "914", ""),
    ("Hempstead", "11550", "516", ""),
    ("Stamford", "06901", "203", ""),
    ("Pasadena", "91101", "626", "200 E Colorado Blvd, Pasadena, CA 91101"),
    ("Burbank", "91502", "818", ""),
    ("Santa Monica", "90401", "310", ""),
    ("Long Beach", "90802", "562", ""),
    ("Irvine", "92618", "949", ""),
    ("Evanston", "60201", "847", ""),
    ("Oak Park", "60302", "708", ""),
    ("Naperville", "60540", "630", ""),
    ("Joliet", "60432", "815", ""),
)

# name, kind, contact, phone, job types (indexes into JOB_TYPES), areas (labels), profit %, active, extra
CONTRACTORS: tuple[tuple[Any, ...], ...] = (
    (
        "Five Boroughs Garage Doors",
        "company",
        "Mike Hernandez",
        "(718) 555-0142",
        (0, 1),
        ("Brooklyn", "Queens", "Bronx", "Staten Island"),
        40,
        True,
        {"secondary_share_percent": 50, "secondary_zips": ["11201", "11215"], "secondary_partners": ["GDQ Leads"]},
    ),
    (
        "Hudson Door & Gate",
        "company",
        "Ana Ruiz",
        "(201) 555-0188",
        (0, 3),
        ("Hoboken", "Newark", "Brooklyn"),
        35,
        True,
        {},
    ),
    (
        "Westchester Overhead",
        "company",
        "Tom Becker",
        "(914) 555-0120",
        (0, 1),
        ("Yonkers", "White Plains", "Bronx"),
        38,
        True,
        {},
    ),
    ("Island Lock & Door", "company", "Priya Shah", "(516) 555-0160", (0, 4), ("Hempstead", "Queens"), 42, True, {}),
    (
        "Stamford Door Works",
        "company",
        "Gus Olsen",
        "(203) 555-0101",
        (1,),
        ("Stamford",),
        30,
        False,
        {"notes": "Paused for the winter."},
    ),
    ("Valley Sliding Doors", "company", "Luis Moreno", "(626) 555-0133", (2,), ("Pasadena", "Burbank"), 45, True, {}),
    (
        "Coastline Glass & Door",
        "company",
        "Dana Park",
        "(310) 555-0177",
        (2, 3),
        ("Santa Monica", "Long Beach", "Irvine"),
        40,
        True,
        {},
    ),
    ("SoCal Gate Pros", "company", "Omar Haddad", "(562) 555-0190", (3,), ("Long Beach", "Irvine"), 33, True, {}),
    (
        "North Shore Garage Co",
        "company",
        "Kate Lindqvist",
        "(847) 555-0115",
        (0, 1),
        ("Evanston", "Oak Park"),
        37,
        True,
        {},
    ),
    (
        "Jordan Ellis",
        "technician",
        "Jordan Ellis",
        "(718) 555-0199",
        (0, 4),
        ("Brooklyn", "Queens"),
        None,
        True,
        {"home_address": "245 Atlantic Ave, Brooklyn, NY 11201"},
    ),
    (
        "Sam Okafor",
        "technician",
        "Sam Okafor",
        "(626) 555-0155",
        (2,),
        ("Pasadena",),
        None,
        True,
        {"home_address": "88 N Lake Ave, Pasadena, CA 91101"},
    ),
)

# Lower Manhattan and downtown Brooklyn, [lng, lat], closed.
ZONE_RING = [[-74.03, 40.68], [-73.96, 40.68], [-73.95, 40.72], [-73.99, 40.74], [-74.03, 40.71], [-74.03, 40.68]]


async def seed_network(bindings: Bindings, now: datetime) -> int:
    """Seed once; returns how many contractors were added (0 when the network was already there)."""
    db = bindings.db
    if await job_settings.all_values(db, job_settings.KINDS["job_types"]):
        return 0
    types = [
        (await job_settings.create_value(db, now, SYSTEM, job_settings.KINDS["job_types"], {"label": label}))["id"]
        for label in JOB_TYPES
    ]
    for name, keep in JOB_PARTNERS:
        await job_settings.create_value(
            db, now, SYSTEM, job_settings.KINDS["job_partners"], {"name": name, "keep_rate_percent": keep}
        )
    for label in CANCEL_REASONS:
        await job_settings.create_value(db, now, SYSTEM, job_settings.KINDS["cancel_reasons"], {"label": label})
    for label, color in JOB_TAGS:
        await job_settings.create_value(
            db, now, SYSTEM, job_settings.KINDS["job_tags"], {"label": label, "color": color}
        )
    area_ids = {}
    for label, zip_code, code, address in AREAS:
        fields: dict[str, Any] = {"label": label, "zip": zip_code, "area_code": code, "office_address": address}
        area_ids[label] = (
            await areas.create_area(db, now, SYSTEM, await areas.check_input(bindings.geocoder, fields))
        )["id"]
    made = {}
    for name, kind, contact, phone, type_idx, labels, share, active, extra in CONTRACTORS:
        fields = {
            "name": name,
            "kind": kind,
            "contact_name": contact,
            "phone": phone,
            "email": f"dispatch@{''.join(ch for ch in name.split()[0].lower() if ch.isalnum())}.example",
            "job_type_ids": [types[i] for i in type_idx],
            "area_ids": [area_ids[label] for label in labels],
            "profit_share_percent": share,
            "active": active,
            **extra,
        }
        data = await contractors.check_input(db, fields, creating=True, geocoder=bindings.geocoder)
        made[name] = (await contractors.create_contractor(db, now, SYSTEM, data))["id"]
    zone = {
        "label": "Lower Manhattan & Downtown Brooklyn",
        "job_type_id": types[0],
        "polygon": ZONE_RING,
        "contractor_ids": [made["Jordan Ellis"], made["Five Boroughs Garage Doors"]],
    }
    await zones.create_zone(db, now, SYSTEM, await zones.check_input(db, zone))
    return len(made)

"""Where a US lead is, from its ZIP: state, time zone and metro area (USPS three-digit prefixes).

Good enough to choose calling hours and show a lead's local time. States that span zones get
their most populous zone; a ZIP we cannot place returns None and callers fall back to the office.
"""

from __future__ import annotations

from bisect import bisect_right

# A ZIP is ASCII digits; str.isdigit would also pass "²", which int() refuses.
ASCII_DIGITS = frozenset("0123456789")

# (first prefix of a range, state). A range runs up to the next entry's first prefix.
_RANGES: tuple[tuple[int, str | None], ...] = (
    (0, None),
    (5, "NY"),
    (6, "PR"),
    (8, "VI"),
    (9, "PR"),
    (10, "MA"),
    (28, "RI"),
    (30, "NH"),
    (39, "ME"),
    (50, "VT"),
    (55, "MA"),
    (56, "VT"),
    (60, "CT"),
    (70, "NJ"),
    (90, None),
    (100, "NY"),
    (150, "PA"),
    (197, "DE"),
    (200, "DC"),
    (201, "VA"),
    (202, "DC"),
    (206, "MD"),
    (220, "VA"),
    (247, "WV"),
    (270, "NC"),
    (290, "SC"),
    (300, "GA"),
    (320, "FL"),
    (350, "AL"),
    (370, "TN"),
    (386, "MS"),
    (398, "GA"),
    (400, "KY"),
    (428, None),
    (430, "OH"),
    (460, "IN"),
    (480, "MI"),
    (500, "IA"),
    (529, None),
    (530, "WI"),
    (550, "MN"),
    (568, None),
    (570, "SD"),
    (578, None),
    (580, "ND"),
    (589, None),
    (590, "MT"),
    (600, "IL"),
    (630, "MO"),
    (659, None),
    (660, "KS"),
    (680, "NE"),
    (694, None),
    (700, "LA"),
    (716, "AR"),
    (730, "OK"),
    (750, "TX"),
    (800, "CO"),
    (817, None),
    (820, "WY"),
    (832, "ID"),
    (839, None),
    (840, "UT"),
    (848, None),
    (850, "AZ"),
    (866, None),
    (870, "NM"),
    (885, "TX"),
    (886, None),
    (889, "NV"),
    (899, None),
    (900, "CA"),
    (962, None),
    (967, "HI"),
    (969, "GU"),
    (970, "OR"),
    (980, "WA"),
    (995, "AK"),
)
_STARTS = [start for start, _ in _RANGES]

ZONES = {
    "AL": "America/Chicago",
    "AK": "America/Anchorage",
    "AZ": "America/Phoenix",
    "AR": "America/Chicago",
    "CA": "America/Los_Angeles",
    "CO": "America/Denver",
    "CT": "America/New_York",
    "DC": "America/New_York",
    "DE": "America/New_York",
    "FL": "America/New_York",
    "GA": "America/New_York",
    "GU": "Pacific/Guam",
    "HI": "Pacific/Honolulu",
    "IA": "America/Chicago",
    "ID": "America/Boise",
    "IL": "America/Chicago",
    "IN": "America/Indiana/Indianapolis",
    "KS": "America/Chicago",
    "KY": "America/New_York",
    "LA": "America/Chicago",
    "MA": "America/New_York",
    "MD": "America/New_York",
    "ME": "America/New_York",
    "MI": "America/Detroit",
    "MN": "America/Chicago",
    "MO": "America/Chicago",
    "MS": "America/Chicago",
    "MT": "America/Denver",
    "NC": "America/New_York",
    "ND": "America/Chicago",
    "NE": "America/Chicago",
    "NH": "America/New_York",
    "NJ": "America/New_York",
    "NM": "America/Denver",
    "NV": "America/Los_Angeles",
    "NY": "America/New_York",
    "OH": "America/New_York",
    "OK": "America/Chicago",
    "OR": "America/Los_Angeles",
    "PA": "America/New_York",
    "PR": "America/Puerto_Rico",
    "RI": "America/New_York",
    "SC": "America/New_York",
    "SD": "America/Chicago",
    "TN": "America/Chicago",
    "TX": "America/Chicago",
    "UT": "America/Denver",
    "VA": "America/New_York",
    "VI": "America/St_Thomas",
    "VT": "America/New_York",
    "WA": "America/Los_Angeles",
    "WI": "America/Chicago",
    "WV": "America/New_York",
    "WY": "America/Denver",
}


def state_for_zip(zip_code: str | None) -> str | None:
    digits = "".join(ch for ch in (zip_code or "") if ch in ASCII_DIGITS)
    if len(digits) < 5:
        return None
    return _RANGES[bisect_right(_STARTS, int(digits[:3])) - 1][1]


def zone_for_state(state: str | None) -> str | None:
    return ZONES.get(state or "")


# Metro areas by ZIP3 (seed 002 "Leads dashboard": the Metro column). Each prefix names the major
# metro its sectional center serves; prefixes outside every major metro have none ("—" on the page).
_METRO_PREFIXES: dict[str, str] = {
    "New York, NY": "070-076 078-079 088-089 100-119",
    "Philadelphia, PA": "080-081 189-191 193-194",
    "Wilmington, DE": "197-198",
    "Boston, MA": "017-024",
    "Worcester, MA": "015-016",
    "Providence, RI": "027-029",
    "Manchester, NH": "030-031 038",
    "Hartford, CT": "060-062",
    "New Haven, CT": "064-065",
    "Bridgeport–Stamford, CT": "066 068-069",
    "Albany, NY": "120-123",
    "Syracuse, NY": "130-132",
    "Buffalo, NY": "140-142",
    "Rochester, NY": "144-146",
    "Pittsburgh, PA": "150-153 156",
    "Harrisburg, PA": "170-171",
    "Allentown, PA": "180-181",
    "Scranton, PA": "184-185",
    "Washington, DC": "200-209 220-223",
    "Baltimore, MD": "210-212 214",
    "Richmond, VA": "230-232",
    "Virginia Beach, VA": "233-237",
    "Greensboro, NC": "270-274",
    "Raleigh, NC": "275-277",
    "Charlotte, NC": "280-282 297",
    "Columbia, SC": "290-292",
    "Charleston, SC": "294",
    "Greenville, SC": "296",
    "Atlanta, GA": "300-303",
    "Savannah, GA": "313-314",
    "Jacksonville, FL": "320 322",
    "Orlando, FL": "327-328 347",
    "Miami, FL": "330-334",
    "Tampa, FL": "335-337 346",
    "Fort Myers, FL": "339",
    "Sarasota, FL": "342",
    "Birmingham, AL": "350-352",
    "Nashville, TN": "370-372",
    "Knoxville, TN": "377-379",
    "Memphis, TN": "380-381",
    "Jackson, MS": "390-392",
    "Louisville, KY": "400-402",
    "Lexington, KY": "403-405",
    "Cincinnati, OH": "410 450-452",
    "Columbus, OH": "430-432",
    "Toledo, OH": "434-436",
    "Cleveland, OH": "440-442",
    "Akron, OH": "443-444",
    "Dayton, OH": "453-454",
    "Indianapolis, IN": "460-462",
    "Chicago, IL": "463-464 600-608",
    "Detroit, MI": "480-483",
    "Grand Rapids, MI": "493-495",
    "Des Moines, IA": "500-503 509",
    "Milwaukee, WI": "530-532 534",
    "Minneapolis, MN": "540 550-551 553-554",
    "St. Louis, MO": "620 622 630-631 633",
    "Kansas City, MO": "640-641 660-662",
    "Omaha, NE": "515 680-681",
    "New Orleans, LA": "700-701",
    "Baton Rouge, LA": "707-708",
    "Little Rock, AR": "720-722",
    "Oklahoma City, OK": "730-731",
    "Tulsa, OK": "740-741",
    "Dallas–Fort Worth, TX": "750-753 760-762",
    "Houston, TX": "770 772-775",
    "San Antonio, TX": "780-782",
    "Austin, TX": "786-787 789",
    "El Paso, TX": "798-799 885",
    "Denver, CO": "800-804",
    "Colorado Springs, CO": "808-809",
    "Boise, ID": "836-837",
    "Salt Lake City, UT": "840-841 843-844",
    "Phoenix, AZ": "850 852-853",
    "Tucson, AZ": "856-857",
    "Albuquerque, NM": "870-871",
    "Las Vegas, NV": "889-891",
    "Reno, NV": "894-895",
    "Los Angeles, CA": "900-918 926-928 935",
    "San Diego, CA": "919-921",
    "Riverside, CA": "922-925",
    "Fresno, CA": "936-937",
    "San Francisco, CA": "940-941 943-949",
    "San Jose, CA": "950-951",
    "Sacramento, CA": "956-958",
    "Honolulu, HI": "967-968",
    "Portland, OR": "970-972 986",
    "Seattle, WA": "980-984",
    "Spokane, WA": "990-992",
    "Anchorage, AK": "995",
    "San Juan, PR": "006-007 009",
}


def _metro_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for metro, spans in _METRO_PREFIXES.items():
        for span in spans.split():
            first, _, last = span.partition("-")
            for prefix in range(int(first), int(last or first) + 1):
                if prefix in table:
                    raise ValueError(f"ZIP3 {prefix:03d} is in {table[prefix]} and {metro}")
                table[prefix] = metro
    return table


_METROS = _metro_table()


def metro_for_zip(zip_code: str | None) -> str | None:
    """The major metro a ZIP's three-digit prefix belongs to, or None outside them."""
    digits = "".join(ch for ch in (zip_code or "") if ch in ASCII_DIGITS)
    if len(digits) < 5:
        return None
    return _METROS.get(int(digits[:3]))

"""Is this password one that attackers try first? (ASVS 5 6.2.4, NIST SP 800-63B 3.1.1.2)

The list is the 30,000 most common passwords from breach corpora that `zxcvbn` ships
(`zxcvbn.frequency_lists.FREQUENCY_LISTS["passwords"]`, MIT, pure Python). It is loaded lazily, on
the first password that is checked (a few per day: creating a user, a reset, a change), never at
import, so the Worker's cold start and memory snapshot do not pay for it. It is read as text from
the package's file (one line, a comma-separated string) rather than imported: importing compiles the
whole 0.8 MB module and keeps its five other word lists (~12 MiB, ~0.15 s on CPython); reading the
one line costs 20–40 ms and keeps ~3.5 MiB. If the file ever changes shape, the import is the fallback
(tests/accounts/test_password_change.py notices).

Because Porchlight's minimum is 12 characters, most listed passwords are refused by length already;
the list still matters for the long ones ("qwertyuiop123", "1qaz2wsx3edc") and for the way people
stretch a short favourite to reach a minimum: a listed password with digits or symbols added before
or after ("dragon2024!!", "!!monkey1234"), or repeated ("shadowshadow"). These are the first rules
a cracking dictionary applies, so they are refused too.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path

SOURCE = "zxcvbn 30k common passwords"

# Porchlight's own names and phrases a new office is likely to try.
_LOCAL = frozenset(
    {
        "porchlight",
        "porchlight123",
        "changeme",
        "administrator",
        "welcome",
        "password",
        "letmein",
        "iloveyou",
    }
)
_EDGES = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$", re.DOTALL)
_MIN_CORE = 4  # a core shorter than this ("ab" + digits) is judged by the whole string only


_LINE = '    "passwords": "'
_END = '".split(","),'


def _read_listed() -> list[str] | None:
    """The passwords line of zxcvbn/frequency_lists.py, read without importing the package."""
    spec = importlib.util.find_spec("zxcvbn")  # a top-level package: found, not executed
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "frequency_lists.py"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(_LINE) and line.endswith(_END):
            literal = ast.literal_eval(line[len(_LINE) - 1 : -len(_END) + 1])  # the one string literal
            return literal.split(",") if isinstance(literal, str) else None
    return None


@cache
def _listed() -> frozenset[str]:
    words = _read_listed()
    if not words:  # the file changed shape: import it (slower, see above)
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        words = FREQUENCY_LISTS["passwords"]
    return frozenset(words) | _LOCAL


def is_common(password: str) -> bool:
    """True when the password is listed, or a listed one padded with digits/symbols, or repeated."""
    listed = _listed()
    lowered = password.lower()
    squeezed = lowered.replace(" ", "")
    if lowered in listed or squeezed in listed:
        return True
    match = _EDGES.match(squeezed)
    core = match.group(1) if match else squeezed
    if len(core) >= _MIN_CORE and core in listed:
        return True
    half = len(squeezed) // 2
    if squeezed and len(squeezed) % 2 == 0 and squeezed[:half] == squeezed[half:] and squeezed[:half] in listed:
        return True
    return not core.strip("0123456789") and len(set(squeezed)) <= 3  # "111111111111", "121212121212"


def size() -> int:
    return len(_listed())

"""Password hashing: argon2id at the OWASP / ASVS 5 floor (t=2, m=19 MiB, p=1).

argon2-cffi is provided by Pyodide, so the Worker and CPython share this code. 19 MiB per hash fits
inside the Worker's 128 MB isolate with room for a few concurrent logins (scrypt's floor, 128 MiB,
does not). Measured cost: docs/performance.md ("Password hashing").
"""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accounts import common_passwords
from core.errors import Invalid

TIME_COST = 2
MEMORY_KIB = 19 * 1024
PARALLELISM = 1

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, hash_len=32, salt_len=16)

# A hash of a random string, verified when the email is unknown so that both failures cost the same.
_DUMMY = "$argon2id$v=19$m=19456,t=2,p=1$BM6Q4f+a7Vbq/im+fvccdA$s3HfC5AIwFRGa3Wt5FWxW/zNby6ootJUu+SXn6AVKGM"


def check_policy(password: str, *, email: str = "", field: str = "password") -> None:
    """Length is the rule (ASVS 5 6.2): no composition rules, long passphrases welcome; a password
    on the breached/common list (or a padded or doubled one) is refused (`common_passwords`).
    A refusal names FIELD, so the API's 422 and the form say which input to fix."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"Password must be at least {MIN_LENGTH} characters.", field=field)
    if len(password) > MAX_LENGTH:
        raise Invalid(f"Password must be at most {MAX_LENGTH} characters.", field=field)
    lowered = password.lower()
    if (email and (lowered == email.lower() or lowered == email.lower().split("@")[0])) or common_passwords.is_common(
        password
    ):
        raise Invalid(
            "That password is on the list of passwords attackers try first; choose a longer phrase of your own.",
            field=field,
        )


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify(stored: str | None, password: str) -> bool:
    """True when the password matches. Unknown users pass stored=None and still pay for a hash."""
    target = stored or _DUMMY

    def _check() -> bool:
        try:
            return _hasher.verify(target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    ok = await anyio.to_thread.run_sync(_check)
    return ok and stored is not None


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)

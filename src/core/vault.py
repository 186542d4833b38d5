"""Field encryption for stored secrets: AES-256-GCM under the key ring in the settings.

Each sealed value carries the id of the key that sealed it, so keys can rotate: new values use the
current key (`ENCRYPTION_KEY`, id `ENCRYPTION_KEY_ID`), and retired keys listed in
`ENCRYPTION_KEYS_OLD` still open what they sealed. Every seal draws a fresh 96-bit nonce. The caller
passes associated data naming the row the value belongs to; GCM authenticates it, so a ciphertext
copied into another row (or edited by one bit) refuses to open instead of yielding a wrong secret.

Stored form: text `base64(nonce ‖ ciphertext ‖ tag)` plus the key id in its own column. Text, not a
BLOB, because D1 hands BLOBs to Python as lists of ints.

`cryptography` is one of the packages Pyodide ships, so the same code runs on the Worker.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core import config

NONCE_BYTES = 12


class VaultError(Exception):
    """A value could not be opened. The message says why, never what the value was."""


class UnknownKey(VaultError):
    pass


class TamperedValue(VaultError):
    pass


@dataclass(frozen=True)
class Sealed:
    ciphertext: str
    key_id: str


class KeyRing:
    """The current key (seals and opens) and any retired ones (open only)."""

    def __init__(self, current_id: str, keys: dict[str, bytes]):
        if current_id not in keys:
            raise ValueError("the current key id must be in the ring")
        self.current_id = current_id
        self._keys = dict(keys)

    @classmethod
    def from_settings(cls, settings: config.Settings) -> KeyRing:
        keys = {kid: base64.b64decode(secret.reveal()) for kid, secret in settings.old_encryption_keys}
        keys[settings.encryption_key_id] = base64.b64decode(settings.encryption_key.reveal())
        return cls(settings.encryption_key_id, keys)

    def __repr__(self) -> str:
        return f"KeyRing(current={self.current_id!r}, ids={sorted(self._keys)!r})"

    def seal(self, plaintext: str, associated: str) -> Sealed:
        nonce = secrets.token_bytes(NONCE_BYTES)
        box = AESGCM(self._keys[self.current_id]).encrypt(nonce, plaintext.encode(), associated.encode())
        return Sealed(base64.b64encode(nonce + box).decode("ascii"), self.current_id)

    def open(self, sealed: Sealed, associated: str) -> str:
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise UnknownKey(
                f"sealed with key {sealed.key_id!r}, which is not in the key ring (current {self.current_id!r});"
                " add it to ENCRYPTION_KEYS_OLD to read this value"
            )
        try:
            raw = base64.b64decode(sealed.ciphertext, validate=True)
        except (binascii.Error, ValueError):
            raise TamperedValue("the stored value is not valid base64") from None
        if len(raw) < NONCE_BYTES + 16:
            raise TamperedValue("the stored value is too short to be sealed")
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated.encode())
        except InvalidTag:
            raise TamperedValue("the stored value failed authentication: altered, or moved from another row") from None
        return plain.decode()

    def needs_rewrap(self, sealed: Sealed) -> bool:
        return sealed.key_id != self.current_id


class Fingerprints:
    """Groups equal plaintexts within one run (the secure-access audit) without keeping them: an HMAC
    under a random key that is never stored, so the digests mean nothing after the run."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def of(self, plaintext: str) -> str:
        return hmac.new(self._key, plaintext.encode(), "sha256").hexdigest()

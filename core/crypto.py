"""Field encryption for identifiers such as resident registration numbers (RRN).

AES-256-GCM with a random nonce per value; a keyed hash (HMAC-SHA256) of the normalised value
allows equality look-ups without decrypting. Both keys are derived from ``FIELD_ENCRYPTION_KEY``
with HKDF, so one secret in the settings suffices and the two uses never share a key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_VERSION = "v1"


class FieldCipher:
    def __init__(self, master_key: bytes):
        if len(master_key) < 32:
            raise ValueError("FIELD_ENCRYPTION_KEY must hold at least 32 bytes")
        self._aead = AESGCM(self._derive(master_key, b"hanjari field encryption"))
        self._hash_key = self._derive(master_key, b"hanjari keyed hash")

    @staticmethod
    def _derive(master_key: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _VERSION.encode())
        return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        version, _, payload = token.partition(":")
        if version != _VERSION:
            raise ValueError(f"unknown ciphertext version {version!r}")
        raw = base64.urlsafe_b64decode(payload)
        return self._aead.decrypt(raw[:12], raw[12:], _VERSION.encode()).decode()

    def keyed_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()


def decode_key(text: str) -> bytes:
    """Read a key given as URL-safe base64 (what ``secrets.token_urlsafe(32)`` produces)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cipher() -> FieldCipher:
    """The app's cipher, built once from its settings."""
    return current_app.extensions["hanjari.cipher"]


def init_app(app) -> None:
    app.extensions["hanjari.cipher"] = FieldCipher(decode_key(app.config["FIELD_ENCRYPTION_KEY"]))

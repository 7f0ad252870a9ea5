"""Connector credentials encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ASKWELL_CREDENTIALS_KEY, else it is derived from the token signing key
(itself from settings or the data folder), so a stolen database file alone reveals no
connection password. Changing the key makes stored credentials unreadable: the error
says to enter the connection URL again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from askwell.errors import Unavailable


class CredentialBox:
    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(b"askwell-connector-credentials\x00" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise Unavailable(
                "This connector's stored credentials cannot be decrypted (the key changed): "
                "enter its connection URL again",
                code="credentials_unreadable",
            ) from None

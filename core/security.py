"""Secrets at rest: argon2id password hashes and SHA-256 API key digests.

Passwords are low-entropy, so they get a slow, salted, memory-hard hash (argon2id). API keys are
generated with 256 bits of entropy, so a single SHA-256 is enough and lets the key be looked up by
its digest (an indexed column); the comparison is constant-time all the same.
"""

import contextlib
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "zf_"
API_KEY_SHOWN_CHARS = 8

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a login takes the same time either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string with its own salt and parameters)."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches; False for a malformed hash or a missing user (``None``)."""
    if password_hash is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):  # VerifyMismatchError is a VerificationError
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at next login)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def generate_api_key() -> str:
    """A new API key: ``zf_`` + 43 URL-safe characters (256 random bits). Show it once, store its hash."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """SHA-256 hex digest of the key: what the database stores and is searched by."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def verify_api_key(key: str, key_hash: str) -> bool:
    """Constant-time check of a presented key against a stored digest."""
    return hmac.compare_digest(hash_api_key(key), key_hash)


def api_key_prefix(key: str) -> str:
    """The first characters of a key, stored in clear so an admin can tell keys apart."""
    return key[:API_KEY_SHOWN_CHARS]

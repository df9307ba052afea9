"""Password and API key hashing."""

import re

from argon2 import PasswordHasher

from core.security import (
    api_key_prefix,
    generate_api_key,
    hash_api_key,
    hash_password,
    password_needs_rehash,
    verify_api_key,
    verify_password,
)


def test_password_hash_is_argon2id_salted_and_verifies_only_the_password() -> None:
    first = hash_password("s3cret-密码")
    second = hash_password("s3cret-密码")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert "s3cret" not in first
    assert verify_password("s3cret-密码", first)
    assert verify_password("s3cret-密码", second)
    for wrong in ("s3cret", "S3cret-密码", "s3cret-密码 ", ""):
        assert not verify_password(wrong, first)


def test_verify_password_is_false_for_missing_or_malformed_hashes() -> None:
    assert not verify_password("demo", None)
    assert not verify_password("demo", "")
    assert not verify_password("demo", "not-a-hash")
    assert not verify_password("demo", "$argon2id$v=19$m=65536,t=3,p=4$broken")


def test_needs_rehash() -> None:
    assert not password_needs_rehash(hash_password("x"))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x")
    assert verify_password("x", weak)  # old hashes keep working ...
    assert password_needs_rehash(weak)  # ... and are upgraded at the next sign-in
    assert password_needs_rehash("garbage")


def test_generated_api_keys_are_unique_high_entropy_and_url_safe() -> None:
    keys = {generate_api_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert re.fullmatch(r"zf_[A-Za-z0-9_-]{43}", key)


def test_api_key_hash_verifies_in_constant_time_and_never_contains_the_key() -> None:
    key = generate_api_key()
    digest = hash_api_key(key)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert key not in digest
    assert hash_api_key(key) == digest  # deterministic: the column can be searched by it
    assert verify_api_key(key, digest)
    assert not verify_api_key(key + "x", digest)
    assert not verify_api_key(generate_api_key(), digest)
    assert not verify_api_key(key, digest.upper())
    assert api_key_prefix(key) == key[:8]

"""Tests for indexer.identity: email/phone/name normalisation, typed identity keys, relation labels."""
from __future__ import annotations

import pytest

from indexer.identity import (
    RELATION_TYPES,
    identity_keys,
    normalize_email,
    normalize_name,
    normalize_phone,
    phone_match_key,
    relation_type,
)


@pytest.mark.parametrize("raw, expected", [
    ("alice@example.com", "alice@example.com"),
    ("Alice@Example.COM", "alice@example.com"),
    ("mailto:Alice@Example.com", "alice@example.com"),
    ("MAILTO:alice@example.com?subject=hi", "alice@example.com"),
    ("<alice@example.com>", "alice@example.com"),
    ("  Alice Martin <Alice@Example.com> ", "alice@example.com"),
    ('"alice@example.com"', "alice@example.com"),
    ("", ""),
])
def test_normalize_email(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("+351 912 345 678", "351912345678"),
    ("+351-912-345-678", "351912345678"),
    ("(555) 123-4567", "5551234567"),
    ("00351 912 345 678", "351912345678"),
    ("tel:+1-555-0100;ext=12", "15550100"),
    ("+1 555 0100 ext. 12", "15550100"),
    ("912.345.678", "912345678"),
    ("", ""),
    ("no digits", ""),
])
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_phone_match_key_ignores_country_code_and_trunk_zero() -> None:
    assert phone_match_key("+351 912 345 678") == phone_match_key("912345678") == "912345678"
    assert phone_match_key("+44 20 7946 0958") == phone_match_key("020 7946 0958")
    assert phone_match_key("555-0000") == "5550000"  # short numbers are kept whole
    assert phone_match_key("+351 912 345 678") != phone_match_key("+351 912 345 679")


@pytest.mark.parametrize("raw, expected", [
    ("Alice Martin", "alice martin"),
    ("  ALICE   Martin ", "alice martin"),
    ("José Álvaro", "jose alvaro"),
    ("Zoë Ångström", "zoe angstrom"),
    ("Martin, Alice", "alice martin"),
    ("Smith, Jr.", "smith"),
    ("O’Brien", "o'brien"),
    ("J.R.R. Tolkien", "j r r tolkien"),
    ("Jean-Luc Picard", "jean-luc picard"),
    ("Straße", "strasse"),
    ('"Alice Martin"', "alice martin"),
    ("", ""),
])
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_normalize_name_matches_across_accents_and_case() -> None:
    assert normalize_name("JOÃO CONCEIÇÃO") == normalize_name("joao conceicao")


@pytest.mark.parametrize("raw, expected", [
    ("Alice Martin <alice@example.com>", ["email:alice@example.com", "name:alice martin"]),
    ('"Martin, Alice" <Alice@EXAMPLE.com>', ["email:alice@example.com", "name:alice martin"]),
    ("alice@example.com (Alice Martin)", ["email:alice@example.com", "name:alice martin"]),
    ("alice@example.com", ["email:alice@example.com"]),
    ("mailto:alice@example.com", ["email:alice@example.com"]),
    ("alice@example.com <alice@example.com>", ["email:alice@example.com"]),
    ("+351912345678", ["phone:912345678"]),
    ("+351 912 345 678", ["phone:912345678"]),
    ("912345678", ["phone:912345678"]),
    ("tel:+351912345678", ["phone:912345678"]),
    ("351912345678@s.whatsapp.net", ["phone:912345678"]),
    ("Tom <+351 912 345 678>", ["phone:912345678", "name:tom"]),
    ("@Alice_M", ["handle:alice_m"]),
    ("Alice", ["name:alice"]),
    ("José Álvaro", ["name:jose alvaro"]),
    ("a@x.com, Bob <b@y.org>", ["email:a@x.com", "email:b@y.org", "name:bob"]),
])
def test_identity_keys(raw: str, expected: list[str]) -> None:
    assert identity_keys(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "12", "???", "1985-04-12", "12/04/1985", "12:30", "<>"])
def test_identity_keys_rejects_non_identities(raw: str) -> None:
    assert identity_keys(raw) == []


def test_identity_keys_match_across_sources() -> None:
    """The point of the module: the same person written three ways shares a key."""
    mail = set(identity_keys("Alice Martin <ALICE@example.com>"))
    card = set(identity_keys("alice@example.com")) | set(identity_keys("Alice Martin"))
    chat = set(identity_keys("351912345678@s.whatsapp.net"))
    sms = set(identity_keys("+351 912 345 678"))
    assert mail == card
    assert chat == sms


def test_identity_keys_survives_hostile_input() -> None:
    for raw in ["<" * 1000, "@" * 500, "\x00\x01\x02", "a" * 100_000, "<script>alert(1)</script>"]:
        keys = identity_keys(raw)
        assert isinstance(keys, list)


@pytest.mark.parametrize("label, expected", [
    ("_$!<Spouse>!$_", "spouse"),
    ("_$!<Mother>!$_", "mother"),
    ("_$!<Father>!$_", "father"),
    ("_$!<Parent>!$_", "parent"),
    ("_$!<Child>!$_", "child"),
    ("_$!<Brother>!$_", "sibling"),
    ("_$!<Friend>!$_", "friend"),
    ("_$!<Partner>!$_", "partner"),
    ("_$!<Manager>!$_", "manager"),
    ("_$!<Assistant>!$_", "assistant"),
    ("_$!<Other>!$_", "other"),
    ("husband", "spouse"),
    ("Wife", "spouse"),
    ("my wife", "spouse"),
    ("mum", "mother"),
    ("Mãe", "mother"),
    ("irmão", "sibling"),
    ("co-worker", "colleague"),
    ("sweetheart", "partner"),
    ("best friend", "friend"),
    ("mother-in-law", "other"),
    ("kin", "other"),
    ("grandma", "other"),
    ("", "other"),
])
def test_relation_type(label: str, expected: str) -> None:
    assert relation_type(label) == expected
    assert relation_type(label) in RELATION_TYPES

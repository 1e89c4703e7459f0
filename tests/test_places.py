"""Tests for offline reverse geocoding (indexer.places)."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

from indexer.places import COUNTRY_NAMES, Place, country_name, reverse_geocode


def test_lisbon() -> None:
    place = reverse_geocode(38.7223, -9.1393)
    assert isinstance(place, Place)
    assert (place.city, place.country, place.country_code) == ("Lisbon", "Portugal", "PT")
    assert place.label() == "Lisbon, Lisbon, Portugal"
    assert place.short_label() == "Lisbon, Portugal"
    assert place.distance_km < 5


def test_other_hemispheres() -> None:
    sydney = reverse_geocode(-33.8688, 151.2093)
    assert sydney is not None and sydney.country == "Australia"
    new_york = reverse_geocode(40.7128, -74.0060)
    assert new_york is not None and new_york.country == "United States"


def test_mid_ocean_gives_none() -> None:
    # Chosen behaviour: the nearest populated place in the middle of the Atlantic is more than
    # 1000 km away; naming it would mislead, so the answer is None (beyond DEFAULT_MAX_KM).
    assert reverse_geocode(30.0, -40.0) is None
    assert reverse_geocode(-45.0, -120.0) is None
    # With a generous radius the nearest place is still reachable.
    far = reverse_geocode(30.0, -40.0, max_km=5000)
    assert far is not None and far.distance_km > 150


def test_invalid_coordinates_give_none() -> None:
    for lat, lon in ((math.nan, 0.0), (91.0, 0.0), (0.0, 181.0), (math.inf, 1.0)):
        assert reverse_geocode(lat, lon) is None
    assert reverse_geocode("not a number", 1.0) is None  # type: ignore[arg-type]


def test_first_load_prints_nothing() -> None:
    # A fresh interpreter, so the lazy first load (which prints in reverse_geocoder) really happens.
    code = "from indexer.places import reverse_geocode; print(reverse_geocode(48.8566, 2.3522).country)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "France\n"


def test_country_names() -> None:
    assert country_name("pt") == "Portugal"
    assert country_name("GB") == "United Kingdom"
    assert country_name("ZZ") == "ZZ"
    assert len(COUNTRY_NAMES) >= 249

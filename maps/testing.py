"""Read back what a rendered map page contains, for tests here and in the API.

A rendered page carries its features as JSON inside the script, with ``<``, ``>``
and ``&`` written as ``\\u003c`` etc. and non-ASCII text as ``\\uXXXX``, so searching
the HTML for a Persian label or an escaped name finds nothing; decode it instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

_GEOJSON_CALL = re.compile(r"geo_json_[0-9a-f]+_add\(")
_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]*)\"")
_STYLESHEET = re.compile(r"<link\b(?=[^>]*\brel=\"stylesheet\")[^>]*\bhref=\"([^\"]*)\"")
_EXTERNAL = re.compile(r"""(?i)https?://[^\s"'<>)]+|(?<![\w/:])//[a-z0-9-]+(?:\.[a-z0-9-]+)+""")


def embedded_geojson(html: str) -> list[dict[str, Any]]:
    """Every GeoJSON FeatureCollection the map embeds, decoded, in drawing order."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(html, match.end())[0] for match in _GEOJSON_CALL.finditer(html)]


def embedded_features(html: str) -> list[dict[str, Any]]:
    """All features of :func:`embedded_geojson`, flattened."""
    return [feature for fc in embedded_geojson(html) for feature in fc["features"]]


def linked_assets(html: str) -> list[str]:
    """URLs of every ``<script src>`` and ``<link rel="stylesheet" href>``, in page order."""
    found = [(m.start(), m.group(1)) for m in _SCRIPT_SRC.finditer(html)]
    found += [(m.start(), m.group(1)) for m in _STYLESHEET.finditer(html)]
    return [url for _, url in sorted(found)]


def external_urls(html: str) -> list[str]:
    """Every ``http://``, ``https://`` or protocol-relative ``//host`` URL in ``html``."""
    return _EXTERNAL.findall(html)

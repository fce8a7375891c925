"""Write ``districts.geojson`` here: the new Ninh Bình's 129 communes AS PUBLISHED.

The ring lists of ``../shared/data/vn2025/ninh_binh_2025_communes.json``
(vietnam-3d-map) nested into polygons by
:func:`layers.build_communes_2025.assemble_rings`, and nothing else: no
repair, no snapping, no partition (overlaps and slivers kept), so that the
tests see the boundaries as a department receives them. Run once from the
project root: ``python tests/data/real/make_districts.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from layers.build_communes_2025 import (  # noqa: E402
    DEFAULT_COMMUNES,
    PROVINCE_CODE,
    _nfc,
    assemble_rings,
    read_wards,
)


def main() -> None:
    """Convert the ring lists and write the GeoJSON beside this script."""
    features = []
    for ward in sorted(read_wards(DEFAULT_COMMUNES), key=lambda w: str(w["id"])):
        polygons, _counts = assemble_rings(ward["polygons"])
        geom = shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]
        unit_type = _nfc(ward["type"])
        properties = {
            "code": str(ward["id"]),
            "name": f"{unit_type} {_nfc(ward['name']).strip()}",
            "level": "commune",
            "parent_code": PROVINCE_CODE,
            "population": int(ward["population"]),
        }
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(geom)})
    collection = {"type": "FeatureCollection", "name": "districts", "features": features}
    out = Path(__file__).with_name("districts.geojson")
    out.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()

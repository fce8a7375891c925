"""Defaults shared by the whole package: operators, technologies, statuses.

Everything here is plain data; nothing reads files or computes geometry.
"""

from __future__ import annotations

#: Mobile network operators of Viet Nam, canonical spelling.
OPERATORS: tuple[str, ...] = ("Viettel", "VNPT", "MobiFone", "Vietnamobile", "Gmobile")

#: Other spellings accepted on input (compared case-insensitively).
OPERATOR_ALIASES: dict[str, str] = {
    "viettel": "Viettel",
    "vnpt": "VNPT",
    "vinaphone": "VNPT",
    "vnpt-vinaphone": "VNPT",
    "mobifone": "MobiFone",
    "mobiphone": "MobiFone",
    "mbf": "MobiFone",
    "vnmb": "Vietnamobile",
    "vietnamobile": "Vietnamobile",
    "gmobile": "Gmobile",
    "gtel": "Gmobile",
}

#: Colour of each operator on maps and charts, and of any other operator.
OPERATOR_COLOURS: dict[str, str] = {
    "Viettel": "#d62728",
    "VNPT": "#1f77b4",
    "MobiFone": "#17becf",
    "Vietnamobile": "#ff7f0e",
    "Gmobile": "#9467bd",
}
OTHER_COLOUR: str = "#7f7f7f"

#: Mobile country code of Viet Nam and the network code of each operator.
MCC: int = 452
MNC: dict[int, str] = {1: "MobiFone", 2: "VNPT", 4: "Viettel", 5: "Vietnamobile", 7: "Gmobile"}

#: Radio technologies, oldest first.
TECHNOLOGIES: tuple[str, ...] = ("2G", "3G", "4G", "5G")

#: Technology of ``ict_gis.coverage()`` and ``ict-gis coverage`` when none is asked
#: for: 4G, the coverage the plans and reports measure (ask for ``"2G,4G,5G"`` for all).
DEFAULT_TECH: str = "4G"

#: Life cycle of a BTS station.
BTS_STATUSES: tuple[str, ...] = ("approved", "under_construction", "on_air", "dismantled")

#: Cable route categories (có cáp dưỡng/vòng khuyên, chưa có cáp dưỡng).
CABLE_CATEGORIES: tuple[str, ...] = ("with_messenger", "without_messenger")

#: Cable route statuses.
CABLE_STATUSES: tuple[str, ...] = ("planned", "tidied", "underground")

#: Levels of administrative units.
UNIT_LEVELS: tuple[str, ...] = ("province", "district", "commune")

#: Layer kinds in the order they are read and reported (each has a schema in
#: :mod:`ict_gis.schema`).
LAYER_KINDS: tuple[str, ...] = (
    "districts", "bts_stations", "shutdowns_2g", "shutdowns_3g", "sites_5g", "cable_routes",
    "subscribers", "admin_changes",
)  # fmt: skip

#: Footprint models of :mod:`ict_gis.footprints`.
FOOTPRINT_MODELS: tuple[str, ...] = ("circle", "sector", "hata")

#: CRS of the bundled layers and of every map.
GEOGRAPHIC_CRS: str = "EPSG:4326"

#: Bounds of Viet Nam with a margin (lon_min, lat_min, lon_max, lat_max), used
#: to recognise swapped coordinates.
VIETNAM_BOUNDS: tuple[float, float, float, float] = (101.0, 7.0, 118.0, 24.0)

"""Interactive maps (the public name of :mod:`ict_gis.render.maps`).

Examples
--------
>>> from ict_gis.layerset import bundled_layers
>>> m = build_map(bundled_layers(), metric="cables", lang="en")
>>> type(m).__name__
'Map'
"""

from ict_gis.render.maps import MAP_METRICS, MapError, build_map, default_metric, map_payload

__all__ = ["MAP_METRICS", "MapError", "build_map", "default_metric", "map_payload"]

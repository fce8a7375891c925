"""Static maps (matplotlib): classes and colours by hand, the exports of ``ict-gis map``."""

from __future__ import annotations

import matplotlib.colors as mcolors
import pytest
from click.testing import CliRunner
from test_maps import tiny  # noqa: F401  (the two-unit fixture of the map tests)

from ict_gis.charts import figure_bytes
from ict_gis.cli.main import cli
from ict_gis.errors import MapError
from ict_gis.render.maps import CLASS_COLOURS
from ict_gis.render.static_map import _nice_length, static_map


def test_units_take_their_class_colours(tiny):  # noqa: F811
    # A: 1 of 4 stations switched off = 25 % -> 20-40 %; B: 2 of 2 = 100 % -> 80-100 %.
    fig = static_map(tiny, metric="switch_off_2g", classes="fixed", lang="en", title="T <1>")
    ax = fig.axes[0]
    faces = [mcolors.to_hex(c) for c in ax.collections[0].get_facecolors()]
    assert faces == [CLASS_COLOURS[1], CLASS_COLOURS[4]]
    assert ax.get_title(loc="left") == "T <1>"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["0%–20%", "20%–40%", "40%–60%", "60%–80%", "80%–100%", "No data"]
    texts = [t.get_text() for t in ax.texts] + [t.get_text() for t in fig.texts]
    assert "N" in texts and any(t.endswith(" km") for t in texts)
    assert any(t.startswith("Source: ") for t in texts)
    for fmt, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<?xml")):
        assert figure_bytes(fig, format=fmt).startswith(magic)


@pytest.mark.parametrize(("span", "length"), [(50_000, 10_000), (7_000, 1_000), (260, 50)])
def test_scale_bar_length_is_round(span, length):
    assert _nice_length(span) == length


def test_unknown_metric(tiny):  # noqa: F811
    with pytest.raises(MapError, match="Unknown metric"):
        static_map(tiny, metric="nope")


def test_cli_writes_pdf_without_a_browser(tmp_path):
    out = tmp_path / "map.pdf"
    args = ["map", "--metric", "cables", "--lang", "en", "-o", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    png = tmp_path / "chosen.out"
    args = ["map", "--metric", "cables", "--format", "png", "-o", str(png)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(b"\x89PNG")


def test_static_map_of_the_2025_communes(tmp_path):
    """The 129 communes of the new Ninh Bình; data only where old Nam Định (36) lies.

    Expected from the crosswalk file itself: the new communes (province 37)
    formed from old units of province 36 have data, the others are grey;
    and a commune with no 2G station (counted by a spatial join) has no share.
    """
    import pandas as pd

    from ict_gis.layerset import bundled_layers, bundled_path
    from ict_gis.render.maps import NO_DATA_COLOUR

    xwalk = pd.read_csv(bundled_path() / "units" / "crosswalk_2025.csv.gz", dtype=str)
    from_nam_dinh = xwalk[
        (xwalk["old_province_code"] == "36") & (xwalk["new_province_code"] == "37")
    ]
    with_data = set(from_nam_dinh["new_code"])
    # ... of which those without a 2G station have no share to show (0 of 0): grey too
    import geopandas as gpd

    communes = gpd.read_file(bundled_path() / "units" / "communes_2025.geojson")
    stations = gpd.read_file(bundled_path() / "bts_stations.geojson")
    has_2g = stations[stations["technologies"].str.contains("2G")].to_crs(communes.crs)
    with_2g = set(gpd.sjoin(has_2g, communes[["code", "geometry"]], predicate="within")["code"])
    coloured = len(with_data & with_2g)
    fig = static_map(bundled_layers(), metric="switch_off_2g", units="communes-2025", lang="en")
    ax = fig.axes[0]
    faces = [mcolors.to_hex(c) for c in ax.collections[0].get_facecolors()]
    assert len(faces) == 129
    assert faces.count(mcolors.to_hex(NO_DATA_COLOUR)) == 129 - coloured
    # the names that are drawn do not overlap (the others are left out)
    renderer = fig.canvas.get_renderer()
    boxes = [
        t.get_window_extent(renderer) for t in ax.texts if t.get_visible() and t.get_bbox_patch()
    ]
    assert len(boxes) > 40
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_cli_static_map_on_the_2025_communes(tmp_path):
    out = tmp_path / "xa.pdf"
    args = ["map", "--units", "communes-2025", "--metric", "switch_off_2g", "-o", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    refused = CliRunner().invoke(cli, ["map", "--forecast", "6", "-o", str(tmp_path / "m.png")])
    assert refused.exit_code == 2 and "only with the HTML map" in refused.output

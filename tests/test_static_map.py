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

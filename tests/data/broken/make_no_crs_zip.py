"""Write cable_routes-no_crs.zip: base/cable_routes.geojson as a zipped Shapefile without .prj.

GeoJSON always has a CRS (EPSG:4326), so the "missing CRS" fixture is a Shapefile
whose .prj was lost. Run it by hand (importing it writes nothing):
python tests/data/broken/make_no_crs_zip.py
"""

import tempfile
import warnings
import zipfile
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    """Write ``cable_routes-no_crs.zip`` next to this script."""
    import pyogrio

    frame = pyogrio.read_dataframe(HERE / "base" / "cable_routes.geojson")
    # a text field, as in the GeoJSON
    frame["done_date"] = frame["done_date"].dt.strftime("%Y-%m-%d")
    with tempfile.TemporaryDirectory() as tmp:
        frame = frame.set_crs(None, allow_override=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "crs was not provided": the point
            pyogrio.write_dataframe(frame, Path(tmp) / "cable_routes.shp", encoding="UTF-8")
        parts = sorted(Path(tmp).iterdir())
        assert not any(p.suffix == ".prj" for p in parts)
        with zipfile.ZipFile(HERE / "cable_routes-no_crs.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for part in parts:
                info = zipfile.ZipInfo(part.name, date_time=(2024, 1, 1, 0, 0, 0))
                zf.writestr(info, part.read_bytes(), zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()

"""Footprint options shared by ``coverage``, ``gaps`` and ``map``.

``--model circle|sector|hata``, ``--radius TECH=M`` (repeatable, keys
``TECH[@BAND][:ENVIRONMENT]``), ``--config FILE`` (TOML, see
:mod:`ict_gis.config`), ``--mode exact|fast`` and ``--engine NAME``. Their callbacks raise
:class:`click.BadParameter`; :func:`footprint_model` combines them: the
configuration file first, then ``--model``, then each ``--radius``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ict_gis.cli.options import parsed
from ict_gis.errors import FootprintError
from ict_gis.settings import FOOTPRINT_MODELS

if TYPE_CHECKING:
    from ict_gis.footprints import FootprintModel

F = Callable[..., object]

#: Modes of ``--mode``.
MODES = ("exact", "fast")


def _parse_radii(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, float]:
    radii: dict[str, float] = {}
    for value in values:
        key, sep, metres = value.partition("=")
        if not sep:
            raise click.BadParameter(
                f"{value!r} is not TECH=METRES; write e.g. 4G=2500 or 2G:rural=8000."
            )
        from ict_gis.footprints import parse_radius_key

        try:
            tech, band, env = parse_radius_key(key)
        except FootprintError as exc:
            raise click.BadParameter(str(exc)) from None
        try:
            radius = float(metres)
        except ValueError:
            raise click.BadParameter(f"{value!r}: {metres!r} is not a number of metres.") from None
        if not radius > 0 or radius != radius or radius == float("inf"):
            raise click.BadParameter(f"{value!r}: the radius must be a positive number of metres.")
        canonical = tech + (f"@{band:g}" if band is not None else "") + (f":{env}" if env else "")
        radii[canonical] = radius
    return radii


def _load_config(path: Path) -> FootprintModel:
    """Read a ``--config`` TOML file (its errors are usage errors, see :func:`parsed`)."""
    from ict_gis.config import load_config

    return load_config(path)


def footprint_options(func: F) -> F:
    """``--model``, ``--radius TECH=M`` (repeatable) and ``--config FILE``."""
    options = (
        click.option(
            "--model",
            type=click.Choice(FOOTPRINT_MODELS),
            default=None,
            help="Footprint model: omni circles, sector wedges from azimuths_deg, or a "
            "radius from the Okumura-Hata/COST-231 path loss. [default: circle]",
        ),
        click.option(
            "--radius",
            "radius",
            multiple=True,
            metavar="TECH=M",
            callback=_parse_radii,
            help="Radius in metres for a technology, optionally a band and environment: "
            "4G=2500, 4G@700=4000, 2G:rural=8000. Repeatable.",
        ),
        click.option(
            "--config",
            "config",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            callback=parsed(_load_config),
            metavar="FILE",
            help="TOML file with the footprint model, radii and link budgets.",
        ),
    )
    for option in reversed(options):
        func = option(func)
    return func


def mode_option(func: F) -> F:
    """``--mode exact|fast``."""
    return click.option(
        "--mode",
        type=click.Choice(MODES),
        default="exact",
        show_default=True,
        help="exact: exact areas; fast: scan lines (at most 200 m apart), within 0.5 %.",
    )(func)


def _engine(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from ict_gis.engines import get_engine
    from ict_gis.errors import CoverageError

    try:
        return get_engine(value).name
    except CoverageError as exc:
        raise click.BadParameter(str(exc)) from exc


def engine_option(func: F) -> F:
    """``--engine NAME``: a coverage engine of the registry (:mod:`ict_gis.engines`)."""
    return click.option(
        "--engine",
        callback=_engine,
        metavar="NAME",
        help="Coverage engine: polygons (shapely, the reference), arcs (exact circles) or "
        "scanlines (fast); the last two need pip install 'ict_gis[fast]'. It sets the mode. "
        "[default: the quickest installed for --mode]",
    )(func)


def footprint_model(
    model: str | None, radius: dict[str, float], config: FootprintModel | None
) -> FootprintModel:
    """Return the footprint model of the options: configuration, then ``--model``, then radii."""
    from ict_gis.footprints import FootprintModel

    base = config or FootprintModel()
    changes: dict = {}
    if model is not None:
        changes["kind"] = model
    if radius:
        changes["radii"] = radius
    return base.replace(**changes) if changes else base

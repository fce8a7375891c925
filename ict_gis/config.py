"""Footprint settings from a TOML file.

A configuration file sets the footprint model, radii and link budgets once
for a province, instead of repeating ``--radius`` on every command::

    # footprints.toml
    [footprints]
    model = "circle"            # circle | sector | hata
    environment = "suburban"    # every station; omit to take it from the unit type
    beamwidth_deg = 65
    quad_segs = 8

    [radii]                     # metres, keys TECH[@BAND][:ENVIRONMENT]
    "2G" = 5000
    "4G:urban" = 1200
    "4G@700" = 4000

    [hata]
    mobile_height_m = 1.5
    city_size = "medium"        # medium | large

    [hata.links.4G]             # link budget of a technology (hata model)
    eirp_dbm = 58
    reference_offset_db = 30.8
    threshold_dbm = -105

Every key is optional; unknown keys are errors, so that a typo does not go
unnoticed.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping

from ict_gis import io
from ict_gis.errors import ConfigError, IctGisError
from ict_gis.footprints import DEFAULT_LINKS, FootprintModel, LinkBudget
from ict_gis.settings import TECHNOLOGIES

__all__ = ["ConfigError", "load_config", "model_from_config", "parse_config"]

_SECTIONS = {"footprints", "radii", "hata"}
_FOOTPRINT_KEYS = {"model", "environment", "beamwidth_deg", "quad_segs", "max_radius_m"}
_HATA_KEYS = {"mobile_height_m", "city_size", "links"}
_LINK_KEYS = {"eirp_dbm", "reference_offset_db", "threshold_dbm"}


def parse_config(text: str, *, source: str = "configuration") -> dict:
    r"""Parse TOML text into a plain dict, checking the sections and keys.

    Parameters
    ----------
    text
        The TOML text.
    source
        Name used in messages (the file name).

    Returns
    -------
    dict

    Raises
    ------
    ConfigError
        If the text is not TOML or has unknown sections or keys.

    Examples
    --------
    >>> parse_config('[radii]\n"4G" = 2500')["radii"]
    {'4G': 2500}
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc}).") from exc
    problems = []
    for section in data:
        if section not in _SECTIONS:
            problems.append(f"unknown section [{section}] (known: {', '.join(sorted(_SECTIONS))})")
    for key in data.get("footprints", {}):
        if key not in _FOOTPRINT_KEYS:
            problems.append(f"[footprints] unknown key {key!r}")
    for key in data.get("hata", {}):
        if key not in _HATA_KEYS:
            problems.append(f"[hata] unknown key {key!r}")
    for tech, link in data.get("hata", {}).get("links", {}).items():
        if tech not in TECHNOLOGIES:
            problems.append(f"[hata.links] unknown technology {tech!r}")
        elif not isinstance(link, Mapping):
            problems.append(f"[hata.links.{tech}] must be a table")
        else:
            problems += [
                f"[hata.links.{tech}] unknown key {k!r}" for k in link if k not in _LINK_KEYS
            ]
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems) + ".")
    return data


def model_from_config(data: Mapping, *, source: str = "configuration") -> FootprintModel:
    """Build a :class:`~ict_gis.footprints.FootprintModel` from parsed configuration.

    Parameters
    ----------
    data
        As returned by :func:`parse_config`.
    source
        Name used in messages.

    Returns
    -------
    FootprintModel

    Raises
    ------
    ConfigError
        If a value is not usable (unknown model, negative radius, ...).
    """
    section = dict(data.get("footprints", {}))
    hata = dict(data.get("hata", {}))
    links = {}
    for tech, values in hata.pop("links", {}).items():
        base = DEFAULT_LINKS[tech]
        try:
            links[tech] = LinkBudget(
                eirp_dbm=float(values.get("eirp_dbm", base.eirp_dbm)),
                reference_offset_db=float(
                    values.get("reference_offset_db", base.reference_offset_db)
                ),
                threshold_dbm=float(values.get("threshold_dbm", base.threshold_dbm)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: [hata.links.{tech}] values must be numbers.") from exc
    kwargs: dict = {"radii": dict(data.get("radii", {})), "links": links}
    if "model" in section:
        kwargs["kind"] = section.pop("model")
    kwargs.update(section)
    kwargs.update(hata)
    try:
        return FootprintModel(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def load_config(path: str | os.PathLike) -> FootprintModel:
    """Read a TOML configuration file (see the module docstring) into a model.

    Parameters
    ----------
    path
        The ``.toml`` file.

    Returns
    -------
    FootprintModel

    Raises
    ------
    ConfigError
        If the file cannot be read or has wrong keys or values.
    """
    try:
        text = io.read_text(path)
    except IctGisError as exc:
        raise ConfigError(str(exc)) from exc
    name = os.fspath(path)
    return model_from_config(parse_config(text, source=name), source=name)

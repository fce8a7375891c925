"""Options and helpers shared by the ``ict-gis`` commands.

The options are declared from constants only; the library (GeoPandas and
all) is imported when a command runs, so that ``ict-gis COMMAND --help``
answers at once.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ict_gis.errors import IctGisError, ValidationError
from ict_gis.problems import Problem
from ict_gis.settings import LAYER_KINDS, UNIT_LEVELS

if TYPE_CHECKING:
    from ict_gis.layerset import LayerSet

F = Callable[..., object]


class LayersParam(click.ParamType):
    """An existing path, or a PostGIS URL (``postgresql://...``) kept as text."""

    name = "layers"

    def convert(self, value, param, ctx):
        """Return ``value`` as text when it is a PostGIS URL, else as an existing Path."""
        from ict_gis.io.postgis import is_url

        if is_url(value):
            return value
        return click.Path(exists=True, path_type=Path).convert(value, param, ctx)


def parsed(parse: Callable[[str], object]) -> Callable[..., object]:
    """Make a click callback returning ``parse(value)``; an ``IctGisError`` is a usage error."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
        if value is None:
            return None
        try:
            return parse(value)
        except IctGisError as exc:
            raise click.BadParameter(str(exc)) from exc

    return callback


def _remember(
    name: str, parse: Callable[[str], object] | None = None
) -> Callable[[click.Context, click.Parameter, str | None], None]:
    """Make a click callback that checks an option now and keeps it for :func:`load_layers`.

    The value (``parse(value)`` when given; see :func:`parsed`) goes to
    ``ctx.meta["ict_gis.NAME"]``, read back by :func:`_given`.
    """
    check = parsed(parse or str)

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        checked = check(ctx, param, value)
        if checked is not None:
            ctx.meta[f"ict_gis.{name}"] = checked

    return callback


def _given(name: str) -> object | None:
    """Return the option ``name`` kept by :func:`_remember` (``None`` when not given)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(f"ict_gis.{name}") if ctx is not None else None


def parse_crs_text(value: str) -> object:
    """Return the CRS a user wrote (see :func:`ict_gis.io.crs.parse_crs`)."""
    from ict_gis.io.crs import parse_crs  # imported when needed: keeps --help fast

    return parse_crs(value)


def _parse_encoding(value: str) -> str:
    from ict_gis.io.encodings import canonical_encoding  # imported when needed

    return canonical_encoding(value)


def given_encoding() -> str | None:
    """Return the ``--encoding`` of the running command (``None`` when not given)."""
    return _given("encoding")


def encoding_option(func: F) -> F:
    """Add ``--encoding NAME``: the encoding of the text of Shapefiles and CSV files.

    Eager, so that it is known when other options (``--units``) read layers.
    """
    return click.option(
        "--encoding",
        expose_value=False,
        is_eager=True,
        callback=_remember("encoding", _parse_encoding),
        metavar="NAME",
        help="Encoding of the text of Shapefiles and CSV files: utf-8, tcvn3 (ABC), vni "
        "(VNI-Windows), cp1258 (Windows-1258) or a Python codec name; overrides a .cpg "
        "and detection.",
    )(func)


def layers_argument(func: F) -> F:
    """``[LAYERS]``: a folder, a GeoPackage, one file or a PostGIS URL (default: bundled).

    Also adds ``--crs``: the coordinate system of layers whose files have none,
    ``--encoding`` (see :func:`encoding_option`) and ``--kind`` (see
    :func:`kind_option`).
    """
    func = kind_option(func)
    func = encoding_option(func)
    func = click.option(
        "--crs",
        expose_value=False,
        callback=_remember("crs", parse_crs_text),
        metavar="CRS",
        help="Coordinate system of layers whose files have none: an EPSG code (4326, "
        "VN-2000 / UTM 48N: 3405), VN-2000, or a .prj file.",
    )(func)
    return click.argument("layers", required=False, type=LayersParam())(func)


def _with_crs(layer_set: LayerSet) -> LayerSet:
    """Give the ``--crs`` of the command to the layers read without a CRS."""
    crs = _given("crs")
    if crs is None:
        return layer_set
    import geopandas as gpd

    given = {
        name: frame.set_crs(crs)
        for name, frame in layer_set.items()
        if isinstance(frame, gpd.GeoDataFrame)
        and frame.geometry.name in frame.columns
        and frame.crs is None
    }
    return layer_set.replace(**given) if given else layer_set


def given_kind() -> str | None:
    """Return the ``--kind`` of the running command (``None`` when not given)."""
    return _given("kind")


def kind_option(func: F) -> F:
    """``--kind``: the layer kind of a single file whose name does not tell it.

    Part of :func:`layers_argument`: every command that reads LAYERS has it.
    """
    return click.option(
        "--kind",
        type=click.Choice(LAYER_KINDS),
        expose_value=False,
        is_eager=True,
        callback=_remember("kind"),
        help="Layer kind of LAYERS when it is a single file not named after its kind.",
    )(func)


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """Click callback: parse ``YYYY-MM-DD`` or raise :class:`click.BadParameter`."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD.") from None


def as_of_option(func: F) -> F:
    """``--as-of DATE``: count only what happened up to and including DATE."""
    return click.option(
        "--as-of",
        "as_of",
        callback=parse_date,
        metavar="YYYY-MM-DD",
        help="Count only what happened up to and including this date.",
    )(func)


def level_option(func: F) -> F:
    """``--level``: report on the units of one level of the districts layer."""
    return click.option(
        "--level",
        type=click.Choice(UNIT_LEVELS),
        help="Report on the units of this level of the districts layer (default: all).",
    )(func)


def lang_option(what: str = "headers and numbers") -> Callable[[F], F]:
    """``--lang vi|en``: the language of ``what`` (Vietnamese by default)."""
    return click.option(
        "--lang",
        type=click.Choice(("vi", "en")),
        default="vi",
        show_default=True,
        help=f"Language of {what}.",
    )


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """``--format``: one of ``choices`` (the first is the default)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )


def output_option(func: F) -> F:
    """``-o/--output FILE``: write to FILE instead of standard output."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file (atomically) instead of standard output.",
    )(func)


def load_layers(path: Path | None) -> LayerSet:
    """Read LAYERS (with ``--kind``); a path that cannot be read is a usage error (exit 2)."""
    from ict_gis.layerset import read_layers

    try:
        return _with_crs(read_layers(path, kind=given_kind(), encoding=given_encoding()))
    except IctGisError as exc:
        raise click.BadParameter(str(exc), param_hint="'[LAYERS]'") from exc


def is_quiet() -> bool:
    """Whether ``-q`` was given to the command group."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().obj and ctx.find_root().obj.get("quiet"))


def note(message: str) -> None:
    """Tell the user something on stderr, unless ``-q`` was given."""
    if not is_quiet():
        click.echo(message, err=True)


def emit(data: str | bytes, output: Path | None) -> None:
    """Print ``data`` to stdout, or write it atomically to ``output``."""
    if output is None:
        if isinstance(data, bytes):
            sys.stdout.flush()  # text printed before stays before the bytes
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            click.echo(data, nl=not data.endswith("\n"))
        return
    from ict_gis import io

    if isinstance(data, bytes):
        io.write_bytes(data, output)
    else:
        io.write_text(data, output)
    note(f"Wrote {output} ({output.stat().st_size:,} bytes).")


def fail_on_invalid(exc: ValidationError) -> click.ClickException:
    """Turn a :class:`ValidationError` into a click error listing every problem."""
    return click.ClickException(
        f"{exc}\nRun `ict-gis validate` on the layers for the full list with fixes."
    )


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def refuse_binary_on_terminal(fmt: str, output: Path | None) -> None:
    """Refuse to print XLSX bytes to a terminal: ask for ``-o FILE`` or a pipe."""
    if fmt == "xlsx" and output is None and _stdout_is_terminal():
        raise click.UsageError(
            "XLSX is a binary file and would garble the terminal. Write it to a file "
            "with -o FILE.xlsx (or pipe the output: ... > FILE.xlsx)."
        )


def bar_drawn(ctx: click.Context) -> bool:
    """Whether :func:`progress_bar` draws: not with ``-q``, and only to a terminal."""
    return not (ctx.obj or {}).get("quiet") and sys.stderr.isatty()


def progress_bar(ctx: click.Context, label: str) -> tuple[Callable[[int, int], None], Callable]:
    """Return a ``progress(done, total)`` callback drawing a bar on stderr, and a closer.

    Silent with ``-q`` and when stderr is not a terminal (see :func:`bar_drawn`).
    """
    state: dict = {}
    if not bar_drawn(ctx):
        return (lambda done, total: None), (lambda: None)

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
            state["done"] = 0
        step = done - state["done"]
        if step > 0:
            bar.update(step)
            state["done"] = done

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return update, close


#: Features from which checking the layers shows a progress bar (about a second).
BAR_FEATURES = 100_000


def checking_bar(layers: LayerSet) -> tuple[Callable[[int, int], None], Callable]:
    """Return :func:`progress_bar` for checking ``layers``, when they are large enough."""
    if sum(len(frame) for frame in layers.values()) < BAR_FEATURES:
        return (lambda done, total: None), (lambda: None)
    return progress_bar(click.get_current_context(), "Checking the layers")


def load_valid_layers(path: Path | None) -> LayerSet:
    """Read LAYERS and check them; a layer with errors is a clean click error."""
    from ict_gis.validate import ensure_valid  # imported when needed: keeps --help fast

    layers = load_layers(path)
    update, close = checking_bar(layers)
    try:
        ensure_valid(layers, progress=update)
    except ValidationError as exc:
        raise fail_on_invalid(exc) from exc
    finally:
        close()
    return layers


def report_problems(problems: Sequence[Problem], *, quiet: bool) -> None:
    """Write the problems found while computing to stderr (unless ``--quiet``)."""
    if quiet:
        return
    for problem in problems:
        click.echo(str(problem), err=True)


def units_value(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | object | None:
    """Click callback of ``--units``: a bundled unit layer's name, or a unit layer read."""
    from ict_gis.layerset import BUNDLED_UNITS

    if value is None or value in BUNDLED_UNITS:
        return value
    path = Path(value)
    if not path.exists():
        raise click.BadParameter(
            f"{value!r} is neither a bundled unit layer ({', '.join(BUNDLED_UNITS)}) "
            "nor a file or folder.",
            param=param,
        )
    from ict_gis.layerset import read_layers

    try:
        layer_set = read_layers(
            path, kind=None if path.is_dir() else "districts", encoding=given_encoding()
        )
        return layer_set["districts"]
    except (IctGisError, KeyError) as exc:
        raise click.BadParameter(f"{value}: cannot read units ({exc}).", param=param) from exc


def units_option(func: F) -> F:
    """``--units VINTAGE|LAYER``: report on other units (``communes-2025``, or a file)."""
    return click.option(
        "--units",
        "units",
        callback=units_value,
        metavar="VINTAGE|LAYER",
        help=(
            "Report on these units instead of the layer set's districts: a bundled "
            "unit layer (districts-2024, communes-2025) or a unit layer file. "
            "Figures held per old unit are carried across the boundary changes; units "
            "with no data are shown as no data."
        ),
    )(func)

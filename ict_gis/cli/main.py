"""The ``ict-gis`` command group.

Each command lives in its own module of :mod:`ict_gis.cli` and is imported
only when used, so ``ict-gis --help`` stays fast.

Errors are handled here, once: any :class:`~ict_gis.errors.IctGisError` that
a command lets through becomes a short message on stderr (``Error: ...``) and
exit status 1, never a traceback. A :class:`~ict_gis.errors.ValidationError`
lists every error in the layers and points to ``ict-gis validate``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any

import click

from ict_gis import __version__
from ict_gis.errors import IctGisError, ValidationError

#: Command name -> module defining a click command called ``command``.
COMMANDS: dict[str, str] = {
    "info": "ict_gis.cli.info",
    "validate": "ict_gis.cli.validate",
    "progress": "ict_gis.cli.progress",
    "report": "ict_gis.cli.report",
    "coverage": "ict_gis.cli.coverage",
    "gaps": "ict_gis.cli.gaps",
    "map": "ict_gis.cli.map",
    "import": "ict_gis.cli.import_",
    "plan": "ict_gis.cli.plan",
    "export": "ict_gis.cli.export",
}

#: Command name -> the first sentence of its help, for ``ict-gis --help``
#: without importing every command (and GeoPandas with them); a test keeps
#: it equal to each command's own.
SHORT_HELP: dict[str, str] = {
    "info": "Each layer: feature count, geometry type, CRS and bounds.",
    "validate": "Check LAYERS and list every problem: layer, feature id, column, what is "
    "wrong, the fix.",
    "progress": "Progress per administrative unit: 2G switch-off, 5G, BTS pipeline, cable tidying.",
    "report": "Print the annual report's telecom figures: sentences and one table per metric.",
    "coverage": "Covered area and population per unit, technology and operator.",
    "gaps": "Polygons served by a technology and by no newer one, per unit.",
    "map": "Write an interactive map that opens in any browser, with no network.",
    "import": "Import what a department receives: OpenCelliD exports, operators' station lists.",
    "plan": "Advice: new sites to fill the holes of the 2G switch-off, towers to share.",
    "export": "Write the layers of LAYERS, checked, into DESTINATION.",
}


def error_message(exc: IctGisError) -> str:
    """Return the message the command line shows for a library error.

    Parameters
    ----------
    exc
        The error a command let through.

    Returns
    -------
    str
        The error's own message; for a :class:`~ict_gis.errors.ValidationError`,
        every error in the layers followed by a pointer to ``ict-gis validate``.
    """
    message = str(exc) or type(exc).__name__
    if isinstance(exc, ValidationError):
        message += "\nRun `ict-gis validate` on the layers for the full list with fixes."
    return message


def _shortened(text: str, limit: int) -> str:
    """``text`` cut after a word to at most ``limit`` characters, "..." marking the cut."""
    if len(text) <= limit:
        return text
    words: list[str] = []
    for word in text.split():
        if len(" ".join([*words, word])) + 3 > limit:
            break
        words.append(word)
    return " ".join(words) + "..."


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is needed.

    It is also the one place where library errors become command-line errors
    (see :meth:`invoke`).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the names of the commands whose modules exist."""
        return [name for name, mod in COMMANDS.items() if importlib.util.find_spec(mod)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the command ``cmd_name``."""
        module = COMMANDS.get(cmd_name)
        if module is None or importlib.util.find_spec(module) is None:
            return None
        return importlib.import_module(module).command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their short help, importing none of them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, _shortened(SHORT_HELP.get(name, ""), limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn an :class:`~ict_gis.errors.IctGisError` into a click error.

        Raises
        ------
        click.ClickException
            For every library error a command did not handle itself: click
            prints ``Error: <message>`` on stderr and exits with status 1.
        """
        try:
            return super().invoke(ctx)
        except IctGisError as exc:
            raise click.ClickException(error_message(exc)) from exc


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ict-gis")
@click.option("-v", "--verbose", count=True, help="More log messages on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bars.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Telecom infrastructure GIS: coverage and progress per administrative unit.

    LAYERS (for every command) is a folder of layer files, a GeoPackage or a
    single file; it defaults to the bundled Nam Định layers.
    """
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s")
    logging.getLogger("ict_gis").setLevel(level)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


def main() -> None:
    """Run ``ict-gis`` (the console script)."""
    cli(prog_name="ict-gis")

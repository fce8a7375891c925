"""The record of one problem found in a layer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem in one layer, precise enough for a person to fix it.

    Parameters
    ----------
    layer
        Layer kind (``bts_stations``) or file name the problem is in.
    feature_id
        Value of the layer's id column (``site_id``, ``route_id``, ``code``)
        of the offending feature, ``"#<row>"`` when the feature has no id, or
        ``None`` when the problem concerns the whole layer.
    column
        Column concerned (``"geometry"`` for geometry problems), or ``None``.
    severity
        ``"error"`` (the layer cannot be used as it is) or ``"warning"``.
    message
        What is wrong.
    fix
        What would fix it.
    """

    layer: str
    feature_id: str | None
    column: str | None
    severity: Severity
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, str | None]:
        """Return the problem as a plain ``dict`` (for JSON output)."""
        return asdict(self)

    def __str__(self) -> str:
        where = self.layer
        if self.feature_id is not None:
            where += f" [{self.feature_id}]"
        if self.column is not None:
            where += f" .{self.column}"
        text = f"{self.severity.upper()}: {where}: {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text

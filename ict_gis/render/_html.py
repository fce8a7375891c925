"""Escaping helpers: every string that reaches a page goes through one of these.

Three contexts, three helpers:

* :func:`escape` for text placed in HTML (element content or a quoted
  attribute value);
* :func:`json_for_script` for data placed inside a ``<script>`` element (the
  result is JSON that can never close the element or open a comment);
* :func:`inline_script` / :func:`inline_style` for code and style sheets
  inlined into the page, which must not contain their own closing tag.

Layer values never reach ``innerHTML`` in the browser: the map's JavaScript
writes them with ``textContent``, and the few HTML snippets built here (legend
rows, layer names) escape every value with :func:`escape`.
"""

from __future__ import annotations

import html
import json
import re

__all__ = ["escape", "inline_script", "inline_style", "json_for_script", "swatch"]

# Characters that could end a <script> element, start an HTML comment or a CDATA
# section, or end a JavaScript line inside a string literal.
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def escape(value: object) -> str:
    """Return ``value`` as text safe in HTML content and quoted attributes.

    ``None`` gives an empty string; everything else goes through ``str``.

    Examples
    --------
    >>> escape("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> escape('a "b" & c')
    'a &quot;b&quot; &amp; c'
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def json_for_script(data: object) -> str:
    r"""Serialise ``data`` to JSON that is safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\u003c``, ``\u003e`` and
    ``\u0026`` (the same characters to a JSON parser), so that no value can
    close the element (``</script>``) or open a comment (``<!--``). NaN and
    infinity are refused: they are not JSON.

    Examples
    --------
    >>> json_for_script({"name": "</script><b>"})
    '{"name":"\\u003c/script\\u003e\\u003cb\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group()], text)


def _check_no_closing_tag(code: str, tag: str, what: str) -> None:
    if re.search(rf"</{tag}", code, re.IGNORECASE):
        raise ValueError(f"{what} contains '</{tag}' and cannot be inlined in a <{tag}> element.")


def inline_script(code: str, *, what: str = "script") -> str:
    """Wrap JavaScript ``code`` in a ``<script>`` element.

    Raises
    ------
    ValueError
        If ``code`` contains ``</script``, which would end the element early.
    """
    _check_no_closing_tag(code, "script", what)
    return f"<script>{code}</script>"


def inline_style(css: str, *, what: str = "style sheet") -> str:
    """Wrap a style sheet in a ``<style>`` element.

    Raises
    ------
    ValueError
        If ``css`` contains ``</style``, which would end the element early.
    """
    _check_no_closing_tag(css, "style", what)
    return f"<style>{css}</style>"


_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{3,8}$")


def swatch(colour: str, *, shape: str = "box", dashed: bool = False, hollow: bool = False) -> str:
    """Return a small coloured symbol for a legend or a layer name.

    Parameters
    ----------
    colour
        A hex colour such as ``#1f77b4`` (anything else is refused, so that no
        markup can slip into the ``style`` attribute).
    shape
        ``box`` (areas), ``line`` (routes) or ``dot`` (points).
    dashed
        Dashed outline (points) or dashed line.
    hollow
        Outline only.

    Raises
    ------
    ValueError
        If ``colour`` is not a hex colour or ``shape`` is unknown.
    """
    if not _COLOUR_RE.match(colour):
        raise ValueError(f"{colour!r} is not a hex colour such as '#1f77b4'.")
    if shape not in ("box", "line", "dot"):
        raise ValueError(f"Unknown swatch shape {shape!r}; use box, line or dot.")
    border = "dashed" if dashed else "solid"
    fill = "transparent" if hollow else colour
    if shape == "line":
        style = f"border-top:3px {border} {colour}"
    else:
        style = f"background:{fill};border:2px {border} {colour}"
    return f'<i class="ict-swatch ict-swatch-{shape}" style="{style}"></i>'

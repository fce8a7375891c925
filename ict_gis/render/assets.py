"""JavaScript and CSS of the maps, inlined so that a map needs no network.

folium links Leaflet and its plugins from CDNs. A planner opens our maps from
a shared folder with no internet, so every script and style sheet is copied
into the HTML file instead. The copies come from an installed, pinned PyPI
package, ``folium-offline`` (Sandia National Laboratories, MIT), which ships
the files folium links, keyed by their CDN address, with their icons already
turned into ``data:`` URIs, and puts them into the page through its own
elements (it is used as folium is); we render one of its elements per file
and take the file's content from the page head. Nothing third-party is kept in this repository;
our own script and style sheet live in ``ict_gis/render/static/``.

:class:`OfflineFigure` is a folium/branca ``Figure`` that, when rendered,
replaces every ``<script src=...>`` and ``<link href=...>`` in the page head
by the file's content. A link whose file is not available is an error (or,
with ``strict=False``, stays a link), so a map is never silently online.

The versions and licences of the inlined files are in :data:`ASSETS` and in
``docs/map-assets.md``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import metadata, resources

from branca.element import CssLink, Element, Figure, JavascriptLink
from jinja2 import Template

from ict_gis.errors import AssetError
from ict_gis.render._html import escape, inline_script, inline_style

__all__ = [
    "ASSETS",
    "ASSET_PACKAGE",
    "Asset",
    "AssetError",
    "OfflineFigure",
    "RawHTML",
    "asset_text",
    "own_files",
]

#: The PyPI package the third-party files come from, and the version it is pinned to.
ASSET_PACKAGE: tuple[str, str] = ("folium-offline", "0.20.0.2")


@dataclass(frozen=True)
class Asset:
    """One third-party file inlined into the maps.

    Parameters
    ----------
    name
        Name of the element in the page head (unique).
    url
        Address folium would link; the key of the file in ``folium-offline``.
    kind
        ``js`` or ``css``.
    project
        Upstream project.
    version
        Upstream version.
    licence
        SPDX licence identifier of the upstream project.
    """

    name: str
    url: str
    kind: str
    project: str
    version: str
    licence: str


_JSD = "https://cdn.jsdelivr.net/npm"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"

#: Every third-party file a map uses, in the order they are loaded.
ASSETS: tuple[Asset, ...] = (
    Asset(
        "leaflet", f"{_JSD}/leaflet@1.9.3/dist/leaflet.js", "js", "Leaflet", "1.9.3", "BSD-2-Clause"
    ),
    Asset(
        "leaflet_css",
        f"{_JSD}/leaflet@1.9.3/dist/leaflet.css",
        "css",
        "Leaflet",
        "1.9.3",
        "BSD-2-Clause",
    ),
    Asset(
        "groupedlayers_js",
        f"{_CDNJS}/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js",
        "js",
        "leaflet-groupedlayercontrol",
        "0.6.1",
        "MIT",
    ),
    Asset(
        "groupedlayers_css",
        f"{_CDNJS}/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css",
        "css",
        "leaflet-groupedlayercontrol",
        "0.6.1",
        "MIT",
    ),
    Asset(
        "fullscreen_js",
        f"{_JSD}/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js",
        "js",
        "leaflet.fullscreen",
        "3.0.0",
        "MIT",
    ),
    Asset(
        "fullscreen_css",
        f"{_JSD}/leaflet.fullscreen@3.0.0/Control.FullScreen.css",
        "css",
        "leaflet.fullscreen",
        "3.0.0",
        "MIT",
    ),
    Asset(
        "minimap_js",
        f"{_CDNJS}/leaflet-minimap/3.6.1/Control.MiniMap.js",
        "js",
        "Leaflet-MiniMap",
        "3.6.1",
        "BSD-2-Clause",
    ),
    Asset(
        "minimap_css",
        f"{_CDNJS}/leaflet-minimap/3.6.1/Control.MiniMap.css",
        "css",
        "Leaflet-MiniMap",
        "3.6.1",
        "BSD-2-Clause",
    ),
)

#: jQuery, inlined only when the map holds a folium ``Popup`` (its script uses ``$``).
JQUERY = Asset(
    "jquery", "https://code.jquery.com/jquery-3.7.1.min.js", "js", "jQuery", "3.7.1", "MIT"
)

_BY_URL = {a.url: a for a in (*ASSETS, JQUERY)}

#: ``url(...)`` in a style sheet that is not a ``data:`` URI (it would be a request).
_CSS_URL_RE = re.compile(r"url\(\s*(?!['\"]?data:)[^)]*\)", re.IGNORECASE)

#: Source map comments (a browser with developer tools open would fetch the map).
_SOURCE_MAP_RE = re.compile(r"//# sourceMappingURL=[^\n]*|/\*# sourceMappingURL=[^*]*\*/")


def _check_installed() -> None:
    name, version = ASSET_PACKAGE
    try:
        found = metadata.version(name)
    except metadata.PackageNotFoundError:
        raise AssetError(
            f"The map's JavaScript comes from the Python package {name}, which is not "
            f"installed. Fix: pip install '{name}=={version}' (or reinstall ict_gis)."
        ) from None
    if found != version:
        raise AssetError(
            f"{name} {found} is installed but the maps were checked with {version}. "
            f"Fix: pip install '{name}=={version}'."
        )


def _offline_copy(url: str, kind: str) -> str | None:
    """Return folium-offline's copy of the file at ``url``, or None if it has none.

    folium-offline's documented use is as folium itself: its elements
    (``offlinefolium.elements.JSCSSMixin`` and every plugin built on it) put
    the content of each linked file into the page head instead of a link.
    One such element, linking only ``url``, is rendered in an empty branca
    ``Figure``, and the content is taken from between its tags.
    """
    _check_installed()
    from offlinefolium.elements import JSCSSMixin

    class _One(JSCSSMixin):
        default_js = [("asset", url)] if kind == "js" else []
        default_css = [("asset", url)] if kind == "css" else []

    figure = Figure()
    element = _One()
    figure.add_child(element)
    try:
        element.render()
    except KeyError:  # folium-offline ships no copy of this address
        return None
    head = figure.header.render()
    tag = "script" if kind == "js" else "style"
    start, end = head.find(f"<{tag}>"), head.rfind(f"</{tag}>")
    if start < 0 or end < start:
        raise AssetError(
            f"{ASSET_PACKAGE[0]} rendered {url} in an unexpected way; "
            f"install version {ASSET_PACKAGE[1]}."
        )
    return head[start + len(tag) + 2 : end]


def _kind(url: str) -> str:
    asset = _BY_URL.get(url)
    return asset.kind if asset else ("css" if url.endswith(".css") else "js")


@functools.lru_cache(maxsize=64)
def _offline_text(url: str) -> str | None:
    return _offline_copy(url, _kind(url))


def asset_text(url: str) -> str:
    """Return the content of the file folium would load from ``url``.

    Style sheets are returned with every ``url(...)`` that is not a ``data:``
    URI replaced by an empty ``data:`` URI, so that no icon is fetched.

    Parameters
    ----------
    url
        A CDN address, one of :data:`ASSETS` or any other file that
        folium-offline ships.

    Raises
    ------
    AssetError
        If no copy of the file is available.
    """
    text = _offline_text(url)
    if text is None:
        raise AssetError(
            f"No offline copy of {url}; a map using it would need the internet. "
            "Remove the element that links it, or build the map with offline=False."
        )
    text = _SOURCE_MAP_RE.sub("", text)
    if _kind(url) == "css":
        text = _CSS_URL_RE.sub('url("data:,")', text)
    return text


def own_files() -> dict[str, str]:
    """Return our own script and style sheet: ``{"ictmap.js": ..., "ictmap.css": ...}``."""
    return {name: _own_file(name) for name in ("ictmap.js", "ictmap.css")}


@functools.lru_cache(maxsize=4)
def _own_file(name: str) -> str:
    return resources.files("ict_gis.render").joinpath("static", name).read_text(encoding="utf-8")


class RawHTML(Element):
    """A fixed piece of HTML, written as it is.

    branca's ``Element(text)`` compiles ``text`` as a Jinja template: any
    ``{{ ... }}`` in it would be evaluated when the page is rendered (a site
    named ``{{ 7*7 }}`` would become ``49``, and worse), and compiling a large
    script costs time. Inlined files and the map's data go through this class
    instead, never through a template.

    Parameters
    ----------
    html
        The HTML, already safe (escaped or wrapped by :mod:`ict_gis.render._html`).
    """

    def __init__(self, html: str):
        super().__init__()
        self._name = "RawHTML"
        self.html = html

    def render(self, **kwargs) -> str:
        """Return the HTML as it is."""
        return self.html


def _inline(element: Element, *, strict: bool) -> Element:
    url = element.url
    if _offline_text(url) is None:
        if strict:
            asset_text(url)  # raises AssetError with the fix
        return element
    code = asset_text(url)
    if isinstance(element, CssLink):
        return RawHTML(inline_style(code, what=url))
    return RawHTML(inline_script(code, what=url))


def _has_popup(element: Element) -> bool:
    """Whether a folium ``Popup`` (which needs jQuery) is anywhere below ``element``."""
    from folium.map import Popup

    return any(
        isinstance(child, Popup) or _has_popup(child) for child in element._children.values()
    )


class OfflineFigure(Figure):
    """A folium ``Figure`` whose scripts and style sheets are inlined when rendered.

    Parameters
    ----------
    title
        Page title (escaped).
    lang
        Language of the page (``vi`` or ``en``), for the ``lang`` attribute.
    strict
        Refuse to render a page that links a file with no offline copy
        (:class:`AssetError`); when false, such links are kept as they are.
    """

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.lang }}">\n'
        "<head>\n"
        "{% if this.title %}<title>{{ this.title }}</title>{% endif %}\n"
        "{{ this.header.render(**kwargs) }}\n"
        "</head>\n"
        "<body>\n"
        "{{ this.html.render(**kwargs) }}\n"
        "</body>\n"
        "<script>\n"
        "{{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</html>\n"
    )

    def __init__(self, *, title: str | None = None, lang: str = "vi", strict: bool = True):
        super().__init__()
        self._name = "OfflineFigure"
        self.title = escape(title) if title else None
        self.lang = escape(lang)
        self.strict = strict

    def render(self, **kwargs) -> str:
        """Render the page with every linked script and style sheet inlined."""
        for child in self._children.values():
            child.render(**kwargs)
        if _has_popup(self):
            self.header.add_child(JavascriptLink(JQUERY.url), name=JQUERY.name)
        for name, child in list(self.header._children.items()):
            if isinstance(child, JavascriptLink | CssLink):
                self.header.add_child(_inline(child, strict=self.strict), name=name)
        return self._template.render(this=self, kwargs=kwargs)

/* ict_gis map script (MIT licence, part of ict_gis).
 *
 * IctMap.build(map, data) draws the layers and controls of a map from the
 * JSON written by ict_gis.render.maps. Safety rule: every value that comes
 * from a layer is written with textContent. The only HTML inserted (layer
 * names, group names, legends, attribution) was built by ict_gis with every
 * value escaped.
 */
(function () {
  "use strict";

  var DEG = Math.PI / 180;
  var CLUSTER_OFF_ZOOM = 13; // from this zoom on, clustered points are drawn one by one
  var R = 6371008.8; // mean Earth radius, metres

  function el(tag, cls, text, parent) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (parent) parent.appendChild(node);
    return node;
  }

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function bindTip(obj, text) {
    obj.bindTooltip(
      function () {
        return el("span", null, text);
      },
      { sticky: true }
    );
  }

  // Web Mercator pixels at zoom 0 (Leaflet's EPSG:3857; multiply by 2^zoom).
  function worldX(lon) {
    return (256 * (lon + 180)) / 360;
  }
  function worldY(lat) {
    var s = Math.sin(Math.max(Math.min(lat, 85.0511287798), -85.0511287798) * DEG);
    return 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function fold(text) {
    // Lower case, without diacritics: "Đường Bà Triệu" -> "duong ba trieu".
    return String(text)
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d")
      .toLowerCase();
  }

  function build(map, data) {
    var T = data.text;
    var lang = data.lang;
    var locale = lang === "vi" ? "vi-VN" : "en-GB";
    var formats = {};
    var state = { measuring: false, tool: false, monthIndex: null, builtAt: null, paintedAt: null, count: null };
    var narrow = window.matchMedia ? window.matchMedia("(max-width: 899px)").matches : false;

    function fmtNum(v, digits) {
      var key = String(digits);
      if (!formats[key]) {
        formats[key] = new Intl.NumberFormat(locale, {
          minimumFractionDigits: 0,
          maximumFractionDigits: digits,
        });
      }
      return formats[key].format(v);
    }
    function fmtDate(day) {
      var d = new Date(day * 86400000);
      var y = d.getUTCFullYear();
      var m = pad(d.getUTCMonth() + 1);
      var dd = pad(d.getUTCDate());
      return lang === "vi" ? dd + "/" + m + "/" + y : y + "-" + m + "-" + dd;
    }
    function fmtMonth(m) {
      var y = Math.floor(m / 12);
      var mo = pad((m % 12) + 1);
      return lang === "vi" ? mo + "/" + y : y + "-" + mo;
    }
    function fmtCell(col, i) {
      var v = col.v[i];
      if (col.type === "coded") return v < 0 ? null : col.dict[v];
      if (v === null || v === undefined) return null;
      if (col.type === "num") return fmtNum(v, col.digits) + (col.unit || "");
      if (col.type === "date") return fmtDate(v);
      return String(v);
    }

    // ------------------------------------------------------------ popups
    // Keep popups clear of the search box (top left) and the layer control (right).
    var popup = L.popup({
      maxWidth: 360,
      maxHeight: 420,
      autoPanPaddingTopLeft: [260, 20],
      autoPanPaddingBottomRight: [300, 20],
    });

    function table(rows, parent) {
      var tbl = el("table", "ict-rows", null, parent);
      rows.forEach(function (row) {
        var tr = el("tr", null, null, tbl);
        el("th", null, row[0], tr);
        el("td", null, row[1] === null ? "–" : row[1], tr);
      });
      return tbl;
    }
    function featureContent(layer, i) {
      var box = el("div", "ict-popup");
      el("h3", null, layer.title[i] === null ? "–" : layer.title[i], box);
      table(
        layer.cols.map(function (col) {
          return [col.label, fmtCell(col, i)];
        }),
        box
      );
      return box;
    }
    function unitContent(props) {
      var box = el("div", "ict-popup ict-unit-popup");
      el("h3", null, props.name === null ? props.code : props.name, box);
      el("p", "ict-metric", data.choropleth.title + ": " + props.value, box);
      var sections = props.sections;
      var k = state.monthIndex;
      if (props.sm && k !== null && k < props.sm.length) {
        // An earlier month: the chosen metric's sections of that month first.
        sections = props.sm[k].concat(
          props.sections.filter(function (section) {
            return props.st.indexOf(section[0]) < 0;
          })
        );
      }
      sections.forEach(function (section) {
        el("h4", null, section[0], box);
        table(section[1], box);
      });
      return box;
    }
    function openPopup(latlng, content) {
      popup.setLatLng(latlng).setContent(content).openOn(map);
    }

    // ------------------------------------------------------------ panes
    map.createPane("ictBase").style.zIndex = 200;
    var outlinePane = map.createPane("ictOutline");
    outlinePane.style.zIndex = 450;
    outlinePane.style.pointerEvents = "none";
    var labelPane = map.createPane("ictLabels");
    labelPane.style.zIndex = 460;
    labelPane.style.pointerEvents = "none";
    var baseRenderer = L.canvas({ pane: "ictBase" });
    var outlineRenderer = L.canvas({ pane: "ictOutline" });

    map.attributionControl.addAttribution(data.attribution);
    // The zoom buttons in the map's language.
    var container = map.getContainer();
    [
      [".leaflet-control-zoom-in", T.zoom_in],
      [".leaflet-control-zoom-out", T.zoom_out],
    ].forEach(function (pair) {
      var button = container.querySelector(pair[0]);
      if (!button) return;
      button.title = pair[1];
      button.setAttribute("aria-label", pair[1]);
    });
    // Title, subtitle (the area), date and source: on screen and on paper.
    if (data.heading) {
      var head = el("div", "ict-title", null, container);
      el("h2", null, data.heading.title, head);
      el("p", "ict-subtitle", data.heading.subtitle + " · " + data.heading.date, head);
      el("p", "ict-source", data.heading.source, head);
      L.DomEvent.disableClickPropagation(head);
      L.DomUtil.addClass(container, "ict-has-title");
    }
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);

    // ------------------------------------------------------------ base maps
    var baseLayers = {};
    var adminBase = L.geoJSON(data.units, {
      renderer: baseRenderer,
      interactive: false,
      style: { fillColor: "#f7f4ee", fillOpacity: 1, color: "#9e9e9e", weight: 1 },
    });
    baseLayers[esc(T.base_admin)] = adminBase;
    var osm = null;
    if (data.tiles) {
      // Only with offline=False: the tile address and its attribution come from ict_gis.
      osm = L.tileLayer(data.tiles.url, { maxZoom: 19, attribution: data.tiles.attribution });
      baseLayers[esc(T.osm)] = osm;
      osm.addTo(map);
    } else {
      adminBase.addTo(map);
    }
    if (data.outline) {
      L.geoJSON(data.outline, {
        renderer: outlineRenderer,
        interactive: false,
        style: { fill: false, color: "#424242", weight: 2.5 },
      }).addTo(map);
    }

    // ------------------------------------------------------------ choropleth
    var classes = data.choropleth.classes;
    data.choropleth.title = data.choropleth.title || "";
    var unitLayers = [];
    function unitStyle(f) {
      var c = f.properties.c;
      return {
        fillColor: c >= 0 ? classes[c].color : data.choropleth.no_data,
        fillOpacity: 0.7,
        color: "#616161",
        weight: 1,
      };
    }
    var choropleth = L.geoJSON(data.units, {
      style: unitStyle,
      onEachFeature: function (f, layer) {
        unitLayers.push([f, layer]);
        layer.bindTooltip(
          function () {
            var box = el("div", "ict-tip");
            el("strong", null, f.properties.name === null ? f.properties.code : f.properties.name, box);
            el("div", null, f.properties.value, box);
            return box;
          },
          { sticky: true }
        );
        layer.on("click", function (e) {
          if (state.tool || state.count) return; // (a count: it zooms in)
          openPopup(e.latlng, unitContent(f.properties));
        });
      },
    });
    choropleth.addTo(map);

    // Unit names: larger units first; a name that would touch one already
    // placed waits for a closer zoom (placed again after every zoom and move).
    var labels = L.layerGroup();
    var labelItems = [];
    // Names are measured once in the page's own style (an invisible probe).
    var probe = el("div", "ict-label", null, map.getContainer());
    probe.style.cssText = "position:absolute;visibility:hidden;left:0;top:0";
    var probeText = el("span", null, "", probe);
    data.units.features.forEach(function (f, k) {
      var pos = f.properties.label;
      if (pos[0] === null || f.properties.name === null) return;
      var span = el("span", null, f.properties.name);
      var marker = L.marker(pos, {
        pane: "ictLabels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "ict-label", html: span, iconSize: null }),
      });
      probeText.textContent = f.properties.name;
      var r = probeText.getBoundingClientRect();
      labelItems.push({ pos: pos, marker: marker, width: r.width + 4, height: r.height + 2, feature: k });
    });
    probe.parentNode.removeChild(probe);
    function placeLabels() {
      if (!map.hasLayer(labels)) return;
      var size = map.getSize();
      var placed = [];
      function boxOf(item) {
        var p = map.latLngToContainerPoint(item.pos);
        return [p.x - item.width / 2, p.y - item.height / 2, p.x + item.width / 2, p.y + item.height / 2];
      }
      function free(box) {
        var inside = box[2] > 0 && box[0] < size.x && box[3] > 0 && box[1] < size.y;
        return (
          inside &&
          !placed.some(function (b) {
            return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3];
          })
        );
      }
      labelItems.forEach(function (item) {
        var box = boxOf(item);
        var ok = free(box);
        if (ok && !labels.hasLayer(item.marker)) labels.addLayer(item.marker);
        if (ok && !item.measured) {
          // The name's size as drawn (a font for the diacritics may arrive late).
          var span = item.marker.getElement().firstChild;
          item.width = span.offsetWidth + 4;
          item.height = span.offsetHeight + 2;
          item.measured = true;
          box = boxOf(item);
          ok = free(box);
        }
        if (ok) {
          placed.push(box);
        } else if (labels.hasLayer(item.marker)) {
          labels.removeLayer(item.marker);
        }
      });
    }
    if (data.units.features.length <= 1000) labels.addTo(map);

    // The final view first: clusters are computed for it.
    map.fitBounds(data.bounds, { animate: false });
    labelItems.forEach(function (item) {
      var b = unitLayers[item.feature][1].getBounds();
      var ne = map.project(b.getNorthEast(), 0);
      var sw = map.project(b.getSouthWest(), 0);
      item.size = Math.abs((ne.x - sw.x) * (ne.y - sw.y));
    });
    labelItems.sort(function (a, b) {
      return b.size - a.size;
    });
    placeLabels();
    map.on("zoomend moveend", placeLabels);
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () {
        labelItems.forEach(function (item) {
          item.measured = false;
        });
        placeLabels();
      });
    }
    map.on("overlayadd", function (e) {
      if (e.layer === labels) placeLabels();
    });

    // ------------------------------------------------------------ feature layers
    var grouped = {};
    grouped[data.choropleth.group] = {};
    grouped[data.choropleth.group][data.choropleth.name] = choropleth;
    grouped[esc(T.g_base)] = {};
    grouped[esc(T.g_base)][esc(T.labels)] = labels;

    // Points shared with another layer (a 2G switch-off at a BTS station):
    // take back their id and position.
    data.layers.forEach(function (layer) {
      if (!layer.ref) return;
      var base = data.layers.filter(function (b) {
        return b.key === layer.ref.layer;
      })[0];
      layer.ref.index.forEach(function (j, i) {
        if (j < 0) return;
        layer.title[i] = base.title[j];
        layer.lat[i] = base.lat[j];
        layer.lon[i] = base.lon[j];
      });
    });

    // Footprints drawn in the page: every station's circle (or sector) of a
    // technology is painted opaque on a canvas of its own, cut to the units'
    // outline; the canvas' CSS opacity then makes them look like their union
    // (overlaps are no darker). Python unites nothing (on 100,000 stations
    // that union took about 9 s).
    var coveragePane = map.createPane("ictCoverage");
    coveragePane.style.zIndex = 405;
    coveragePane.style.pointerEvents = "none";
    var CANVAS_PAD = 0.3; // drawn beyond the view on every side, for panning
    var SMALL_DISC = 8; // canvas pixels: a circle up to this radius is set pixel by pixel
    var DiscLayer = L.Layer.extend({
      initialize: function (discs, style) {
        var n = discs.lat.length;
        this._style = style;
        this._n = n;
        this._x = new Float64Array(n);
        this._y = new Float64Array(n);
        this._k = new Float64Array(n); // radius in pixels at zoom 0
        this._a0 = new Float64Array(n);
        this._a1 = new Float64Array(n);
        this._sector = new Uint8Array(n);
        var half = (discs.bw / 2) * DEG;
        for (var i = 0; i < n; i++) {
          this._x[i] = worldX(discs.lon[i]);
          this._y[i] = worldY(discs.lat[i]);
          this._k[i] = (256 * discs.r[i]) / (2 * Math.PI * R * Math.cos(discs.lat[i] * DEG));
          if (discs.az[i] !== null) {
            var a = (discs.az[i] - 90) * DEG; // from north clockwise to the canvas' angle
            this._sector[i] = 1;
            this._a0[i] = a - half;
            this._a1[i] = a + half;
          }
        }
      },
      getEvents: function () {
        return { zoomstart: this._hide, moveend: this._draw, resize: this._draw };
      },
      onAdd: function () {
        this._canvas = L.DomUtil.create("canvas", "ict-footprints", coveragePane);
        this._draw();
      },
      onRemove: function () {
        L.DomUtil.remove(this._canvas);
        this._canvas = null;
      },
      bringToBack: function () {
        return this;
      },
      _hide: function () {
        if (this._canvas) this._canvas.style.visibility = "hidden";
      },
      _draw: function () {
        var canvas = this._canvas;
        if (!canvas) return;
        var size = map.getSize();
        var px = Math.round(size.x * CANVAS_PAD);
        var py = Math.round(size.y * CANVAS_PAD);
        var ratio = window.devicePixelRatio || 1;
        var W = Math.round((size.x + 2 * px) * ratio); // canvas pixels
        var H = Math.round((size.y + 2 * py) * ratio);
        canvas.width = W;
        canvas.height = H;
        canvas.style.width = W / ratio + "px";
        canvas.style.height = H / ratio + "px";
        canvas.style.opacity = this._style.fillOpacity;
        L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([-px, -py]));
        canvas.style.visibility = "";
        var origin = map.getPixelBounds().min.subtract([px, py]);
        var scale = Math.pow(2, map.getZoom()) * ratio;
        var ox = origin.x * ratio;
        var oy = origin.y * ratio;
        var ctx = canvas.getContext("2d");
        // Small footprints are set pixel by pixel (a pixel is in when its
        // centre is; at least the centre's pixel): tens of thousands of
        // canvas arcs a few pixels wide took 0.2 s to paint.
        var image = ctx.createImageData(W, H);
        var px32 = new Uint32Array(image.data.buffer);
        var c = this._style.fillColor.replace("#", ""); // (the colour as bytes, in the canvas' order)
        var bytes = new Uint8Array([parseInt(c.slice(0, 2), 16), parseInt(c.slice(2, 4), 16), parseInt(c.slice(4, 6), 16), 255]);
        var colour = new Uint32Array(bytes.buffer)[0];
        var big = [];
        for (var i = 0; i < this._n; i++) {
          var cx = this._x[i] * scale - ox;
          var cy = this._y[i] * scale - oy;
          var r = this._k[i] * scale;
          if (cx + r < 0 || cy + r < 0 || cx - r > W || cy - r > H) continue;
          if (this._sector[i] || r > SMALL_DISC) {
            big.push(i);
            continue;
          }
          var y0 = Math.max(0, Math.ceil(cy - r - 0.5));
          var y1 = Math.min(H - 1, Math.floor(cy + r - 0.5));
          for (var y = y0; y <= y1; y++) {
            var dy = y + 0.5 - cy;
            var dx = Math.sqrt(r * r - dy * dy);
            var x0 = Math.max(0, Math.ceil(cx - dx - 0.5));
            var x1 = Math.min(W - 1, Math.floor(cx + dx - 0.5));
            for (var x = x0; x <= x1; x++) px32[y * W + x] = colour;
          }
          var mx = Math.floor(cx);
          var my = Math.floor(cy);
          if (mx >= 0 && my >= 0 && mx < W && my < H) px32[my * W + mx] = colour;
        }
        ctx.putImageData(image, 0, 0);
        // Larger ones (and sectors): one path, filled once with the nonzero
        // rule, so overlaps are painted once.
        ctx.beginPath();
        for (var k = 0; k < big.length; k++) {
          var j = big[k];
          var bx = this._x[j] * scale - ox;
          var by = this._y[j] * scale - oy;
          var br = this._k[j] * scale;
          if (this._sector[j]) {
            ctx.moveTo(bx, by);
            ctx.arc(bx, by, br, this._a0[j], this._a1[j]);
            ctx.closePath();
          } else {
            ctx.moveTo(bx + br, by);
            ctx.arc(bx, by, br, 0, 2 * Math.PI);
          }
        }
        ctx.fillStyle = this._style.fillColor;
        ctx.fill("nonzero");
        // Only what lies inside the units' outline stays.
        if (data.outline) {
          ctx.globalCompositeOperation = "destination-in";
          ctx.beginPath();
          var polys = data.outline.type === "Polygon" ? [data.outline.coordinates] : data.outline.coordinates;
          polys.forEach(function (rings) {
            rings.forEach(function (ring) {
              for (var q = 0; q < ring.length; q++) {
                var ex = worldX(ring[q][0]) * scale - ox;
                var ey = worldY(ring[q][1]) * scale - oy;
                if (q === 0) ctx.moveTo(ex, ey);
                else ctx.lineTo(ex, ey);
              }
              ctx.closePath();
            });
          });
          ctx.fill("evenodd");
          ctx.globalCompositeOperation = "source-over";
        }
      },
    });

    // The counts of clustered points, drawn on a canvas of their own (a
    // thousand DOM icons of a dense city took 0.1-0.2 s to lay out and paint
    // at every zoom); clicks are found by position (see GridClusters).
    var countPane = map.createPane("ictCounts");
    countPane.style.zIndex = 470;
    countPane.style.pointerEvents = "none";
    function countSize(n) {
      return n < 10 ? 28 : n < 100 ? 34 : n < 1000 ? 40 : 46;
    }
    var CountLayer = L.Layer.extend({
      getEvents: function () {
        return { zoomstart: this._hide };
      },
      onAdd: function () {
        this._canvas = L.DomUtil.create("canvas", "ict-counts", countPane);
        this._items = [];
      },
      onRemove: function () {
        L.DomUtil.remove(this._canvas);
      },
      _hide: function () {
        this._canvas.style.visibility = "hidden";
      },
      // The count under a point of the map's container, or null.
      hit: function (point) {
        for (var k = this._items.length - 1; k >= 0; k--) {
          var it = this._items[k];
          var p = map.latLngToContainerPoint([it.lat, it.lng]);
          var r = countSize(it.n) / 2;
          if ((p.x - point.x) * (p.x - point.x) + (p.y - point.y) * (p.y - point.y) <= r * r) return it;
        }
        return null;
      },
      draw: function (items) {
        var canvas = this._canvas;
        var size = map.getSize();
        var px = Math.round(size.x * CLUSTER_PAD);
        var py = Math.round(size.y * CLUSTER_PAD);
        var ratio = window.devicePixelRatio || 1;
        canvas.width = Math.round((size.x + 2 * px) * ratio);
        canvas.height = Math.round((size.y + 2 * py) * ratio);
        canvas.style.width = size.x + 2 * px + "px";
        canvas.style.height = size.y + 2 * py + "px";
        L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([-px, -py]));
        canvas.style.visibility = "";
        this._items = items;
        var ctx = canvas.getContext("2d");
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.font = "600 11px " + getComputedStyle(container).fontFamily;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        items.forEach(function (it) {
          var p = map.latLngToContainerPoint([it.lat, it.lng]);
          var x = p.x + px;
          var y = p.y + py;
          var r = countSize(it.n) / 2;
          ctx.beginPath();
          ctx.arc(x, y, r, 0, 2 * Math.PI);
          ctx.fillStyle = "rgba(55, 71, 79, 0.3)";
          ctx.fill();
          ctx.beginPath();
          ctx.arc(x, y, r - 4, 0, 2 * Math.PI);
          ctx.fillStyle = "rgba(55, 71, 79, 0.85)";
          ctx.fill();
          ctx.fillStyle = "#ffffff";
          ctx.fillText(fmtNum(it.n, 0), x, y);
        });
      },
    });

    // Clustered points (100,000 stations on a country map), binned into the
    // CLUSTER_PX cells of the world's pixel grid at the map's zoom: a cell
    // with one point shows that point (its circle marker, made when first
    // needed), a cell with more shows their count at their mean position; a
    // click on a count zooms in on its points. Only the cells of the view and
    // a quarter of a view around it are binned, O(n) in typed arrays, after every
    // move, zoom, toggle of a sub or month of the slider. From zoom
    // CLUSTER_OFF_ZOOM (a view of about 25 x 15 km) every point is drawn.
    // (Leaflet.markercluster, used before, filed the points into a tree of
    // every zoom level first: 60 % of the BTS page's 2.2 s load on 100,000
    // stations.)
    var CLUSTER_PX = 45;
    var CLUSTER_PAD = 0.25; // binned beyond the view on every side, for panning
    function GridClusters(b, onClick) {
      var d = b.data;
      var n = d.lat.length;
      var wx = new Float64Array(n);
      var wy = new Float64Array(n);
      var located = [];
      for (var i = 0; i < n; i++) {
        if (d.lat[i] === null) continue;
        wx[i] = worldX(d.lon[i]);
        wy[i] = worldY(d.lat[i]);
        located.push(i);
      }
      var idx = Int32Array.from(located);
      var drawn = new Uint8Array(n);
      var drawnList = [];
      var singles = L.featureGroup().addTo(map);
      singles.on("click", onClick);
      var counts = new CountLayer().addTo(map);
      var self = this;
      this.clusters = []; // the counts shown: [{lat, lng, n, bounds}]
      this.singles = function () {
        return drawnList.slice();
      };

      this.update = function () {
        var on = b.subs.map(function (sub) {
          return map.hasLayer(sub);
        });
        var z = map.getZoom();
        var scale = Math.pow(2, z);
        var view = map.getPixelBounds();
        var size = map.getSize();
        var mx = size.x * CLUSTER_PAD;
        var my = size.y * CLUSTER_PAD;
        var x0 = Math.floor((view.min.x - mx) / CLUSTER_PX);
        var y0 = Math.floor((view.min.y - my) / CLUSTER_PX);
        var cols = Math.floor((view.max.x + mx) / CLUSTER_PX) - x0 + 1;
        var rows = Math.floor((view.max.y + my) / CLUSTER_PX) - y0 + 1;
        var alone = z >= CLUSTER_OFF_ZOOM;
        var cells = alone ? 0 : cols * rows;
        var count = new Int32Array(cells);
        var first = new Int32Array(cells);
        var sx = new Float64Array(cells);
        var sy = new Float64Array(cells);
        var box = [new Float64Array(cells), new Float64Array(cells), new Float64Array(cells), new Float64Array(cells)];
        var list = [];
        for (var k = 0; k < idx.length; k++) {
          var i = idx[k];
          if (!on[b.current[i]]) continue;
          var px = wx[i] * scale;
          var py = wy[i] * scale;
          var cx = Math.floor(px / CLUSTER_PX) - x0;
          var cy = Math.floor(py / CLUSTER_PX) - y0;
          if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) continue;
          if (alone) {
            list.push(i);
            continue;
          }
          var c = cy * cols + cx;
          if (count[c]++ === 0) {
            first[c] = i;
            box[0][c] = box[2][c] = px;
            box[1][c] = box[3][c] = py;
          } else {
            if (px < box[0][c]) box[0][c] = px;
            if (py < box[1][c]) box[1][c] = py;
            if (px > box[2][c]) box[2][c] = px;
            if (py > box[3][c]) box[3][c] = py;
          }
          sx[c] += px;
          sy[c] += py;
        }
        self.clusters = [];
        for (var c2 = 0; c2 < cells; c2++) {
          var m = count[c2];
          if (m === 1) list.push(first[c2]);
          if (m < 2) continue;
          var at = map.unproject([sx[c2] / m, sy[c2] / m], z);
          var bounds = L.latLngBounds(
            map.unproject([box[0][c2], box[3][c2]], z),
            map.unproject([box[2][c2], box[1][c2]], z)
          );
          self.clusters.push({ lat: at.lat, lng: at.lng, n: m, bounds: bounds });
        }
        counts.draw(self.clusters);
        // Circle markers: take off those no longer alone, add the new ones.
        var keep = new Uint8Array(n);
        list.forEach(function (i) {
          keep[i] = 1;
        });
        drawnList.forEach(function (i) {
          if (keep[i]) return;
          singles.removeLayer(b.objs[i]);
          drawn[i] = 0;
        });
        list.forEach(function (i) {
          if (drawn[i]) return;
          singles.addLayer(b.marker(i));
          drawn[i] = 1;
        });
        drawnList = list;
      };
      map.on("moveend", this.update);
      // A click on a count zooms in on its points; the unit or station under
      // it opens no popup (state.count is set before any click handler runs).
      map.on("preclick", function (e) {
        state.count = counts.hit(e.containerPoint);
      });
      map.on("click", function () {
        var hit = state.count;
        if (!hit || state.tool) return;
        var zoom = Math.max(map.getBoundsZoom(hit.bounds), map.getZoom() + 1);
        map.setView(hit.bounds.getCenter(), Math.min(zoom, CLUSTER_OFF_ZOOM), { animate: false });
      });
      map.on("layeradd layerremove", function (e) {
        if (b.subs.indexOf(e.layer) >= 0) self.update();
      });
      this.update();
    }

    var built = data.layers.map(function (layer, li) {
      return buildLayer(layer, li);
    });

    function styleOf(layer, s) {
      return layer.styles[s];
    }

    function buildLayer(layer, li) {
      var n = layer.title.length;
      var objs = new Array(n);
      // A clustered layer's subs only say which points are on (the layer
      // control switches them); its GridClusters draws the points.
      var subs = layer.subs.map(function () {
        return layer.cluster ? L.layerGroup() : L.featureGroup();
      });
      (layer.discs || []).forEach(function (d) {
        subs[d.sub] = new DiscLayer(d, styleOf(layer, d.sub));
      });
      var members = subs.map(function () {
        return [];
      });
      var current = new Array(n);
      var b = { data: layer, objs: objs, subs: subs, current: current, index: li, clusters: null };
      // The style a point has now (a month of the slider may show it as still to do).
      b.style = function (i) {
        var time = layer.time;
        return styleOf(layer, time && current[i] !== layer.sub[i] ? time.todo_sty : layer.sty[i]);
      };
      // Whether feature i is on the map's data (clustered points get their marker late).
      b.has = function (i) {
        return layer.cluster ? layer.lat[i] !== null : !!objs[i];
      };
      b.marker = function (i) {
        if (!objs[i]) {
          objs[i] = L.circleMarker([layer.lat[i], layer.lon[i]], b.style(i));
          objs[i]._ict = i;
        }
        return objs[i];
      };
      for (var i = 0; i < n; i++) {
        var obj = null;
        if (layer.cluster) {
          if (layer.lat[i] !== null) current[i] = layer.sub[i];
          continue;
        }
        if (layer.geom === "point") {
          if (layer.lat[i] === null) continue;
          obj = L.circleMarker([layer.lat[i], layer.lon[i]], styleOf(layer, layer.sty[i]));
        } else if (layer.geom === "line") {
          if (layer.paths[i] === null) continue;
          obj = L.polyline(layer.paths[i], styleOf(layer, layer.sty[i]));
          bindTip(obj, layer.tip[i]);
        } else {
          var shape = layer.shapes[i];
          if (shape === null) continue;
          obj = L.polygon(
            L.GeoJSON.coordsToLatLngs(shape.coordinates, shape.type === "Polygon" ? 1 : 2),
            styleOf(layer, layer.sty[i])
          );
        }
        obj._ict = i;
        objs[i] = obj;
        current[i] = layer.sub[i];
        members[layer.sub[i]].push(obj);
      }
      var onClick = function (e) {
        if (state.tool || state.count) return; // (a count: it zooms in)
        var i = e.layer._ict;
        openPopup(layer.geom === "point" ? e.layer.getLatLng() : e.latlng, featureContent(layer, i));
      };
      var group = {};
      subs.forEach(function (sub, k) {
        members[k].forEach(function (obj) {
          sub.addLayer(obj);
        });
        if (!layer.cluster) sub.on("click", onClick);
        if (layer.subs[k].show) sub.addTo(map);
        group[layer.subs[k].name] = sub;
      });
      if (layer.cluster) b.clusters = new GridClusters(b, onClick);
      grouped[layer.group] = group;
      return b;
    }

    // Drawing order on the shared canvas, bottom to top: units, coverage areas,
    // cable routes, points (a layer switched on is drawn on top, so restack).
    function restack() {
      ["line", "area"].forEach(function (geom) {
        built.forEach(function (b) {
          if (b.data.geom !== geom) return;
          b.subs.forEach(function (sub) {
            if (map.hasLayer(sub)) sub.bringToBack();
          });
        });
      });
      if (map.hasLayer(choropleth)) choropleth.bringToBack();
    }
    map.on("overlayadd", restack);
    restack();

    // ------------------------------------------------------------ controls
    var layerControl = L.control.groupedLayers(baseLayers, grouped, {
      collapsed: narrow,
      position: "topright",
    });
    layerControl.addTo(map);
    if (narrow) {
      // A tap on the map closes the layer list again (it opens with its button).
      map.on("click", function () {
        L.DomUtil.removeClass(layerControl.getContainer(), "leaflet-control-layers-expanded");
      });
    }
    var toggle = container.querySelector(".leaflet-control-layers-toggle");
    if (toggle) {
      toggle.title = T.layers_button;
      toggle.setAttribute("aria-label", T.layers_button);
    }
    L.control
      .fullscreen({
        position: "topleft",
        title: T.fullscreen,
        titleCancel: T.exit_fullscreen,
        forceSeparateButton: true,
      })
      .addTo(map);

    // Minimap: the province outline and units, no tiles.
    var miniLayer = L.geoJSON(data.units, {
      interactive: false,
      style: { fillColor: "#f7f4ee", fillOpacity: 1, color: "#9e9e9e", weight: 0.5 },
    });
    var minimap = new L.Control.MiniMap(miniLayer, {
      position: "bottomright",
      width: 130,
      height: 130,
      zoomLevelOffset: -4,
      toggleDisplay: false,
      aimingRectOptions: { color: "#d62728", weight: 1, interactive: false },
      shadowRectOptions: { color: "#000000", weight: 1, opacity: 0, fillOpacity: 0, interactive: false },
    });
    if (!narrow) minimap.addTo(map);

    // ------------------------------------------------------------ search
    var index = null;
    function buildIndex() {
      index = [];
      data.units.features.forEach(function (f, k) {
        var name = f.properties.name === null ? f.properties.code : f.properties.name;
        index.push({ key: fold(name + " " + f.properties.code), text: name, what: T.unit, unit: k });
      });
      built.forEach(function (b) {
        if (!b.data.search) return;
        var title = b.data.title;
        var alt = b.data.alt;
        for (var i = 0; i < title.length; i++) {
          if (!b.has(i)) continue;
          var text = title[i] === null ? "" : title[i];
          if (alt && alt[i]) text += " – " + alt[i];
          index.push({ key: fold(text), text: text, what: b.data.label, layer: b, i: i });
        }
      });
    }
    function focus(hit) {
      if (hit.unit !== undefined) {
        var pair = unitLayers[hit.unit];
        if (!map.hasLayer(choropleth)) choropleth.addTo(map);
        map.fitBounds(pair[1].getBounds(), { maxZoom: 14, animate: false });
        openPopup(pair[1].getBounds().getCenter(), unitContent(pair[0].properties));
        return;
      }
      var b = hit.layer;
      var d = b.data;
      var sub = b.subs[b.current[hit.i]];
      if (!map.hasLayer(sub)) sub.addTo(map);
      var at;
      // A point is shown at street level, where clusters have opened up.
      if (d.geom === "point") {
        at = L.latLng(d.lat[hit.i], d.lon[hit.i]);
        map.setView(at, Math.max(map.getZoom(), b.clusters ? 17 : 16), { animate: false });
      } else {
        var obj = b.objs[hit.i];
        at = obj.getBounds().getCenter();
        map.fitBounds(obj.getBounds(), { maxZoom: 17, animate: false });
      }
      openPopup(at, featureContent(d, hit.i));
    }
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-control leaflet-bar ict-search");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var input = el("input", null, null, box);
        input.type = "search";
        input.placeholder = T.search;
        input.title = T.search_title;
        input.setAttribute("aria-label", T.search_title);
        var list = el("ul", "ict-results", null, box);
        var run = function () {
          var q = fold(input.value.trim());
          list.textContent = "";
          if (q.length < 2) return;
          if (index === null) buildIndex();
          var hits = [];
          for (var k = 0; k < index.length && hits.length < 10; k++) {
            if (index[k].key.indexOf(q) >= 0) hits.push(index[k]);
          }
          if (!hits.length) {
            el("li", "ict-none", T.no_results, list);
            return;
          }
          hits.forEach(function (hit) {
            var li = el("li", null, null, list);
            var a = el("a", null, hit.text, li);
            a.href = "#";
            el("small", null, hit.what, li);
            L.DomEvent.on(a, "click", function (e) {
              // Stop the click here: once the list is emptied the link is detached,
              // and the map would take the click as its own and close the popup.
              L.DomEvent.stop(e);
              list.textContent = "";
              focus(hit);
            });
          });
        };
        L.DomEvent.on(input, "input", run);
        L.DomEvent.on(input, "keydown", function (e) {
          if (e.key === "Enter") {
            var first = list.querySelector("a");
            if (first) first.click();
          }
        });
        return box;
      },
    });
    new Search().addTo(map);

    // ------------------------------------------------------------ measure
    var measure = { points: [], line: null, shape: null };
    function distance(pts) {
      var d = 0;
      for (var k = 1; k < pts.length; k++) d += pts[k - 1].distanceTo(pts[k]);
      return d;
    }
    function area(pts) {
      if (pts.length < 3) return 0;
      var a = 0;
      for (var k = 0; k < pts.length; k++) {
        var p1 = pts[k];
        var p2 = pts[(k + 1) % pts.length];
        a += (p2.lng - p1.lng) * DEG * (2 + Math.sin(p1.lat * DEG) + Math.sin(p2.lat * DEG));
      }
      return Math.abs((a * R * R) / 2);
    }
    function fmtDistance(m) {
      return m < 1000 ? fmtNum(m, 0) + " m" : fmtNum(m / 1000, 2) + " km";
    }
    function fmtArea(m2) {
      return m2 < 1e5 ? fmtNum(m2, 0) + " m²" : fmtNum(m2 / 1e6, 2) + " km²";
    }
    var Measure = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-control leaflet-bar ict-measure");
        L.DomEvent.disableClickPropagation(box);
        var button = el("a", "ict-measure-button", null, box);
        button.href = "#";
        button.title = T.measure;
        button.setAttribute("role", "button");
        button.setAttribute("aria-label", T.measure);
        this._result = el("div", "ict-measure-result", null, box);
        this._button = button;
        L.DomEvent.on(button, "click", function (e) {
          L.DomEvent.preventDefault(e);
          if (state.tool) stopMeasure();
          else startMeasure();
        });
        return box;
      },
    });
    var measureControl = new Measure();
    measureControl.addTo(map);
    function showMeasure() {
      var pts = measure.points;
      var box = measureControl._result;
      box.textContent = "";
      if (state.measuring && pts.length < 2) {
        el("div", null, T.measure_hint, box);
      }
      if (pts.length >= 2) el("div", "ict-distance", T.distance + ": " + fmtDistance(distance(pts)), box);
      if (pts.length >= 3) el("div", "ict-area", T.area + ": " + fmtArea(area(pts)), box);
    }
    function clearMeasure() {
      if (measure.line) map.removeLayer(measure.line);
      if (measure.shape) map.removeLayer(measure.shape);
      measure.points = [];
      measure.line = measure.shape = null;
    }
    function startMeasure() {
      clearMeasure();
      state.measuring = true;
      state.tool = true;
      map.closePopup();
      map.doubleClickZoom.disable();
      L.DomUtil.addClass(map.getContainer(), "ict-measuring");
      L.DomUtil.addClass(measureControl._button, "ict-active");
      showMeasure();
    }
    // Turning the tool off clears the measurement; a double click only ends it.
    function stopMeasure() {
      clearMeasure();
      state.measuring = false;
      state.tool = false;
      map.doubleClickZoom.enable();
      L.DomUtil.removeClass(map.getContainer(), "ict-measuring");
      L.DomUtil.removeClass(measureControl._button, "ict-active");
      showMeasure();
    }
    map.on("click", function (e) {
      if (!state.tool) return;
      if (!state.measuring) {
        clearMeasure();
        state.measuring = true;
      }
      measure.points.push(e.latlng);
      var pts = measure.points;
      if (!measure.line) {
        measure.line = L.polyline(pts, { color: "#000000", weight: 2, dashArray: "6 4", interactive: false }).addTo(map);
      } else {
        measure.line.setLatLngs(pts);
      }
      if (pts.length >= 3) {
        if (!measure.shape) {
          measure.shape = L.polygon(pts, { color: "#000000", weight: 0, fillOpacity: 0.08, interactive: false }).addTo(map);
        } else {
          measure.shape.setLatLngs(pts);
        }
      }
      showMeasure();
    });
    map.on("dblclick", function () {
      if (!state.measuring) return;
      state.measuring = false;
      showMeasure();
    });

    // ------------------------------------------------------------ month slider
    var slider = null;
    var timed = built.filter(function (b) {
      return b.data.time;
    });
    function applyMonth(month) {
      var counts = { n: 0, km: 0 };
      timed.forEach(function (b) {
        var d = b.data;
        var time = d.time;
        var moves = b.subs.map(function () {
          return { add: [], remove: [] };
        });
        for (var i = 0; i < b.objs.length; i++) {
          if (!b.has(i)) continue;
          var obj = b.objs[i]; // (a clustered point may have no marker yet)
          var finalSub = d.sub[i];
          var done = finalSub !== time.todo_sub && (time.m[i] === null || time.m[i] <= month);
          var target = done ? finalSub : time.todo_sub;
          if (done) counts[time.count] += time.count === "km" ? d.km[i] : 1;
          if (target !== b.current[i]) {
            if (!b.clusters) {
              moves[b.current[i]].remove.push(obj);
              moves[target].add.push(obj);
            }
            b.current[i] = target;
            if (obj) obj.setStyle(b.style(i));
          }
        }
        if (b.clusters) b.clusters.update();
        moves.forEach(function (mv, k) {
          mv.remove.forEach(function (obj) {
            b.subs[k].removeLayer(obj);
          });
          mv.add.forEach(function (obj) {
            b.subs[k].addLayer(obj);
          });
        });
      });
      return counts;
    }
    // The units' classes, figures and popups of a month (computed by ict_gis).
    function applyUnits(month) {
      if (!data.slider.monthly) return;
      var k = month - data.slider.first;
      state.monthIndex = k;
      unitLayers.forEach(function (pair) {
        var p = pair[0].properties;
        if (!p.cm) return;
        p.c = p.cm[k];
        p.value = p.vm[k];
      });
      choropleth.setStyle(unitStyle);
      if (legend) updateLegend();
    }
    if (data.slider && timed.length) {
      var Slider = L.Control.extend({
        options: { position: "bottomleft" },
        onAdd: function () {
          var box = L.DomUtil.create("div", "leaflet-control ict-slider");
          L.DomEvent.disableClickPropagation(box);
          L.DomEvent.disableScrollPropagation(box);
          var head = el("div", "ict-slider-head", null, box);
          var play = el("button", "ict-play", "▶", head);
          play.type = "button";
          play.title = T.play;
          play.setAttribute("aria-label", T.play);
          el("span", null, T.month + " ", head);
          var label = el("strong", "ict-month", "", head);
          var input = el("input", null, null, box);
          input.type = "range";
          input.min = data.slider.first;
          input.max = data.slider.last;
          input.step = 1;
          input.value = data.slider.last;
          input.setAttribute("aria-label", T.month);
          var stats = el("div", "ict-slider-stats", "", box);
          var timer = null;
          var update = function () {
            var month = parseInt(input.value, 10);
            label.textContent = fmtMonth(month);
            var c = applyMonth(month);
            applyUnits(month);
            restack();
            var parts = [];
            timed.forEach(function (b) {
              if (b.data.time.count === "n") parts.push(T.slider_2g.replace("{n}", fmtNum(c.n, 0)));
              else parts.push(T.slider_cables.replace("{km}", fmtNum(c.km, 1)));
            });
            stats.textContent = parts.join(" · ");
          };
          var stop = function () {
            if (timer !== null) clearInterval(timer);
            timer = null;
            play.textContent = "▶";
            play.title = T.play;
          };
          L.DomEvent.on(input, "input", function () {
            stop();
            update();
          });
          L.DomEvent.on(play, "click", function () {
            if (timer !== null) return stop();
            if (parseInt(input.value, 10) >= data.slider.last) input.value = data.slider.first;
            update();
            play.textContent = "⏸";
            play.title = T.pause;
            timer = setInterval(function () {
              var next = parseInt(input.value, 10) + 1;
              if (next > data.slider.last) return stop();
              input.value = next;
              update();
            }, 700);
          });
          this.update = update;
          this.input = input;
          return box;
        },
      });
      slider = new Slider();
      slider.addTo(map);
      slider.update();
    }

    // ------------------------------------------------------------ legend
    var Legend = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-control ict-legend");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        el("h3", null, T.legend, box);
        this._body = el("div", "ict-legend-body", null, box);
        return box;
      },
    });
    var legend = new Legend();
    legend.addTo(map);
    function updateLegend() {
      var html = "";
      var legends = data.choropleth.legends || [];
      var own =
        state.monthIndex !== null && state.monthIndex < legends.length - 1
          ? legends[state.monthIndex]
          : data.choropleth.legend;
      if (map.hasLayer(choropleth)) html += "<section>" + own + "</section>";
      built.forEach(function (b) {
        var on = b.subs.some(function (s) {
          return map.hasLayer(s);
        });
        if (on) html += "<section>" + b.data.legend + "</section>";
      });
      // Every fragment was built by ict_gis with its values escaped.
      legend._body.innerHTML = html;
    }
    map.on("overlayadd overlayremove", updateLegend);
    updateLegend();

    restack();
    // Timings for benchmarks/bench_map.py (ms since the start of navigation).
    state.builtAt = performance.now();
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        state.paintedAt = performance.now();
      });
    });
    return {
      map: map,
      layers: built,
      choropleth: choropleth,
      labels: labels,
      layerControl: layerControl,
      slider: slider,
      search: function (text) {
        if (index === null) buildIndex();
        var q = fold(text);
        return index.filter(function (h) {
          return h.key.indexOf(q) >= 0;
        });
      },
      focus: focus,
      measure: {
        start: startMeasure,
        stop: stopMeasure,
        points: function () {
          return measure.points.slice();
        },
      },
      unitLayers: unitLayers,
      get builtAt() {
        return state.builtAt;
      },
      get paintedAt() {
        return state.paintedAt;
      },
    };
  }

  window.IctMap = { build: build };
})();

/* The zone map's client side: plots from vector tiles, their popups, and the plot search.
 *
 * Built by maps/plot_tiles.py, which passes a config with the page language, every
 * label of the message catalogue (maps/messages.py) and the status colours
 * (maps/styles.py), so no word or colour is written twice.
 *
 * Codes, names and any other value from the database may contain markup: popups are
 * built from escaped strings only (escapeHtml), never from raw values.
 */
(function () {
  "use strict";

  // Leaflet 1.8 dropped DomEvent.fakeStop, which VectorGrid 1.3's canvas click handler
  // still calls; without it a click on a tile plot throws. Same effect as Leaflet 1.7's.
  if (!L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; };
  }

  var ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }

  function blank(value) {
    return value === null || value === undefined || String(value).trim() === "" ||
      String(value).trim() === "\u2014";
  }

  /* A domain value's label (status.idle → "راکد"); unknown values as stored. */
  function label(cfg, group, value) {
    if (blank(value)) { return ""; }
    var text = cfg.messages[group + "." + value];
    return text === undefined ? String(value) : text;
  }

  /* Thousands separators; Persian digits and separators on Persian pages. */
  function formatNumber(cfg, value) {
    var number = Number(value);
    if (blank(value) || !isFinite(number)) { return "\u2014"; }
    var locale = cfg.lang === "fa" ? "fa-IR" : "en-US";
    return new Intl.NumberFormat(locale, {maximumFractionDigits: 0}).format(number);
  }

  function code(value) {
    return blank(value) ? "\u2014" : "<bdi>" + escapeHtml(value) + "</bdi>";
  }

  /* The same popup as maps.popups.plot_text draws for inline plots. */
  function plotPopup(cfg, p) {
    var area = formatNumber(cfg, p.area_m2);
    var rows = [
      ["field.district", code(p.district_code)],
      ["field.status", escapeHtml(label(cfg, "status", p.status))],
      ["field.land_use", escapeHtml(label(cfg, "land_use", p.land_use))],
      ["field.area", area === "\u2014" ? "" : escapeHtml(area + " " + cfg.messages["unit.m2"])]
    ];
    var body = rows.filter(function (row) { return row[1] !== ""; }).map(function (row) {
      return "<tr><th>" + escapeHtml(cfg.messages[row[0]]) + "</th><td>" + row[1] + "</td></tr>";
    }).join("");
    var more = blank(p.district_code) || blank(p.code) ? "" :
      '<p class="zones-more"><a href="' + escapeHtml(cfg.apiRoot + "/plots/" +
      encodeURIComponent(p.district_code) + "/" + encodeURIComponent(p.code) +
      "/page?lang=" + cfg.lang) + '">' + escapeHtml(cfg.messages["popup.details"]) + "</a></p>";
    return '<div class="zones-popup" dir="' + cfg.dir + '"><h3>' + code(p.code) +
      "</h3><table>" + body + "</table>" + more + "</div>";
  }

  /* A district of the overview (tiles below the plot zoom): its plots counted per status. */
  function districtPopup(cfg, p) {
    var total = Number(p.plots) || 0;
    var held = Number(p.held) || 0;
    var percent = cfg.lang === "fa" ? "\u066a" : "%";
    var share = total ? " (" + formatNumber(cfg, Math.round(100 * held / total)) + percent +
      ")" : "";
    var rows = [["overview.plots", formatNumber(cfg, total)],
                ["overview.held", formatNumber(cfg, held) + share]];
    Object.keys(cfg.colours).forEach(function (status) {
      var n = Number(p["plots_" + status]) || 0;
      if (n) { rows.push(["status." + status, formatNumber(cfg, n)]); }
    });
    var body = rows.map(function (row) {
      return "<tr><th>" + escapeHtml(cfg.messages[row[0]]) + "</th><td>" +
        escapeHtml(row[1]) + "</td></tr>";
    }).join("");
    var name = cfg.lang === "fa" ? p.name_fa : p.name_en;
    return '<div class="zones-popup zones-district-popup" dir="' + cfg.dir + '"><h3>' +
      code(p.code) + (blank(name) ? "" : " — " + escapeHtml(name)) + "</h3><table>" +
      body + '</table><p class="zones-more">' + escapeHtml(cfg.messages["overview.zoom_in"]) +
      "</p></div>";
  }

  /* Opaque here, translucent as a whole (the layer's opacity): Leaflet keeps tiles of the
   * previous zoom under the new ones for a while, and translucent fills would add up. */
  function plotStyle(cfg, p) {
    return {
      fill: true, fillColor: cfg.colours[p.status] || cfg.unknownColour, fillOpacity: 1,
      color: "#404040", weight: 1
    };
  }

  /* A district of the overview in the colour of its most common plot status. */
  function districtStyle(cfg, p) {
    return {
      fill: true, fillColor: cfg.colours[p.main_status] || cfg.unknownColour, fillOpacity: 0.6,
      color: "#08306b", weight: 2
    };
  }

  /* Plots from /tiles/{z}/{x}/{y}, drawn on canvas (one element per tile, not per plot:
   * what keeps a 10,000-plot district smooth). Infrastructure in the same tiles is drawn
   * inline by the page instead, so its tile layer is skipped here.
   *
   * The service decides what a tile holds: from its plot zoom on (ZONES_TILE_PLOT_MIN_ZOOM)
   * the `plots` layer, farther out the `districts` overview (plots counted per status), so
   * this one layer shows whichever arrives and needs no zoom of its own.
   *
   * The map container reports what it drew: data-plots-drawn (distinct plot ids drawn so
   * far; the ids themselves in its zonesPlotsDrawn property), data-districts-drawn (the same
   * for overview districts) and data-plots-loaded-ms (page time when the first view had all
   * its tiles). */
  function plotTiles(url, cfg) {
    var drawn = new Set();
    var districts = new Set();
    var layer = L.vectorGrid.protobuf(url, {
      rendererFactory: L.canvas.tile,
      opacity: 0.75,
      interactive: true,
      maxNativeZoom: cfg.maxNativeZoom,
      // Plot and district ids may be equal: keep them apart.
      getFeatureId: function (f) {
        return ("plots" in f.properties ? "district-" : "") + f.properties.id;
      },
      vectorTileLayerStyles: {
        plots: function (p) { drawn.add(p.id); return plotStyle(cfg, p); },
        districts: function (p) { districts.add(p.id); return districtStyle(cfg, p); },
        infrastructure: function () { return []; }
      }
    });
    // The tiles sit in the tile pane, under the SVG districts: let clicks through those.
    var container = null;
    layer.on("add", function () {
      container = layer._map.getContainer();
      L.DomUtil.addClass(container, "zones-plots-tiled");
    });
    layer.on("remove", function () { L.DomUtil.removeClass(container, "zones-plots-tiled"); });
    layer.on("click", function (e) {
      var p = e.layer.properties;
      L.popup({maxWidth: 360}).setLatLng(e.latlng)
        .setContent("plots" in p ? districtPopup(cfg, p) : plotPopup(cfg, p))
        .openOn(layer._map);
    });
    layer.on("load", function () {
      var box = layer._map.getContainer();
      box.zonesPlotsDrawn = drawn;
      box.dataset.plotsDrawn = String(drawn.size);
      box.dataset.districtsDrawn = String(districts.size);
      if (!box.dataset.plotsLoadedMs) {
        box.dataset.plotsLoadedMs = String(Math.round(performance.now()));
      }
    });
    return layer;
  }

  /* GET /plots/{district}/{code}: the API folds Persian digits and letters itself. */
  function findPlot(map, cfg, district, text, status, state) {
    var wanted = text.trim();
    if (!wanted) { return; }
    status.textContent = "";
    var url = cfg.apiRoot + "/plots/" + encodeURIComponent(district) + "/" +
      encodeURIComponent(wanted);
    fetch(url, {headers: {Accept: "application/geo+json"}, credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 404) { status.textContent = cfg.messages["search.not_found"]; }
        else if (!response.ok) { status.textContent = cfg.messages["search.failed"]; }
        return response.ok ? response.json() : null;
      })
      .then(function (feature) {
        if (!feature) { return; }
        if (state.highlight) { map.removeLayer(state.highlight); }
        state.highlight = L.geoJSON(feature, {
          interactive: false, style: {color: "#d500f9", weight: 4, fill: false}
        }).addTo(map);
        var bounds = state.highlight.getBounds();
        map.fitBounds(bounds, {maxZoom: cfg.searchZoom, animate: false});
        L.popup({maxWidth: 360}).setLatLng(bounds.getCenter())
          .setContent(plotPopup(cfg, feature.properties)).openOn(map);
      })
      .catch(function () { status.textContent = cfg.messages["search.failed"]; });
  }

  /* A small form in a map corner: district, plot code (Persian or Latin digits), go. */
  function searchControl(map, cfg) {
    var control = L.control({position: cfg.position});
    control.onAdd = function () {
      var form = L.DomUtil.create("form", "zones-search leaflet-bar");
      form.setAttribute("role", "search");
      form.dir = cfg.dir;
      var district = L.DomUtil.create("select", "zones-search-district", form);
      district.name = "district";
      district.setAttribute("aria-label", cfg.messages["field.district"]);
      cfg.districts.forEach(function (d) {
        var option = document.createElement("option");
        option.value = d.code;
        option.textContent = d.label;  // textContent: never parsed as HTML
        district.appendChild(option);
      });
      var input = L.DomUtil.create("input", "zones-search-code", form);
      input.type = "search";
      input.name = "code";
      input.dir = "auto";
      input.placeholder = cfg.messages["search.placeholder"];
      input.setAttribute("aria-label", cfg.messages["search.placeholder"]);
      var button = L.DomUtil.create("button", "zones-search-go", form);
      button.type = "submit";
      button.textContent = cfg.messages["search.submit"];
      var status = L.DomUtil.create("output", "zones-search-status", form);
      status.setAttribute("aria-live", "polite");
      var state = {highlight: null};
      L.DomEvent.disableClickPropagation(form);
      L.DomEvent.disableScrollPropagation(form);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        findPlot(map, cfg, district.value, input.value, status, state);
      });
      return form;
    };
    control.addTo(map);
    return control;
  }

  window.zonesMap = {
    escapeHtml: escapeHtml, plotPopup: plotPopup, districtPopup: districtPopup,
    plotTiles: plotTiles,
    searchControl: searchControl
  };
})();

// The allocation-request form (maps/investor_pages.py). Vacant plots come from GET /plots
// (one status at a time, every page) and are drawn on a Leaflet map; clicking a plot adds it
// to the preferred plots beside the map, clicking again (or its Remove button) takes it out.
// The form is sent to POST /requests with the session's CSRF token and one Idempotency-Key
// per form load, so a double click or a retry never files two requests. A refusal shows
// the problem's code and detail in role=alert and leaves everything typed in place.
// Text from the server goes in with textContent, never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("request-data").textContent);
  var form = document.getElementById("request-form");
  var alertBox = document.getElementById("request-alert");
  var sending = document.getElementById("request-sending");
  var submit = document.getElementById("request-submit");
  var list = document.getElementById("preferred-plots");
  var empty = document.getElementById("no-plot-chosen");
  var area = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 0 });
  var VACANT = { color: "#238b45", weight: 1, fillColor: "#74c476", fillOpacity: 0.6 };
  var CHOSEN = { color: "#a63603", weight: 3, fillColor: "#fd8d3c", fillOpacity: 0.85 };

  // --- input ----------------------------------------------------------------------------
  // Persian and Arabic-Indic digits to Latin; the Arabic decimal mark and "/" (how Persian
  // writers often type a decimal point) to "."; thousands separators and spaces dropped.
  function latin(text) {
    return String(text)
      .replace(/[\u06f0-\u06f9]/g, function (d) { return String(d.charCodeAt(0) - 0x06f0); })
      .replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); })
      .replace(/[\u066b/]/g, ".")
      .replace(/[\u066c,\s\u200e\u200f]/g, "");
  }

  function value(id) { return document.getElementById(id).value.trim(); }

  // A number field: null when blank, a number when it reads as one; anything else is sent
  // as typed so the API's refusal names the field.
  function number(id) {
    var text = latin(value(id));
    if (text === "") { return null; }
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }

  function checked(id) { return document.getElementById(id).checked; }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; an intranet over plain HTTP still has this.
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); })
      .join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)]
      .join("-");
  }
  var idempotencyKey = uuid();  // once per form load: a retry replays, never duplicates
  form.setAttribute("data-idempotency-key", idempotencyKey);

  // --- problems ---------------------------------------------------------------------------
  function showProblem(title, body) {
    zonesPage.showProblem(alertBox, title, body, "inv");
  }

  var getJSON = zonesPage.getJSON;

  // --- the map and the preferred plots --------------------------------------------------
  var map = L.map("request-map", { zoomControl: false, attributionControl: !!data.basemap });
  L.control.zoom({ position: data.rtl ? "topright" : "topleft" }).addTo(map);
  L.control.scale({ imperial: false, position: data.rtl ? "bottomright" : "bottomleft" })
    .addTo(map);
  if (data.basemap) {
    L.tileLayer(data.basemap, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
  }
  map.setView([37.47, 49.46], 11);
  window.zonesRequestMap = map;  // for tests and the console

  var plots = {};   // "district/code" -> {layer, props}
  var chosen = [];  // keys, in the order they were picked

  function keyOf(props) { return props.district_code + "/" + props.code; }

  function renderList() {
    list.textContent = "";
    chosen.forEach(function (key) {
      var props = plots[key].props;
      var item = document.createElement("li");
      item.setAttribute("data-plot", key);
      var name = document.createElement("bdi");
      name.textContent = props.district_code + " / " + props.code;
      item.appendChild(name);
      item.appendChild(document.createTextNode(
        " — " + area.format(props.area_m2) + " " + data.text.m2));
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = data.text.remove;
      remove.addEventListener("click", function () { toggle(key); });
      item.appendChild(remove);
      list.appendChild(item);
    });
    empty.hidden = chosen.length > 0;
  }

  function toggle(key) {
    var at = chosen.indexOf(key);
    var entry = plots[key];
    if (at >= 0) { chosen.splice(at, 1); } else { chosen.push(key); }
    var on = at < 0;
    entry.layer.setStyle(on ? CHOSEN : VACANT);
    var path = entry.layer.getElement();
    if (path) {
      path.setAttribute("data-chosen", on ? "true" : "false");
      path.classList.toggle("inv-chosen-plot", on);
      if (on) { entry.layer.bringToFront(); }
    }
    renderList();
  }

  function fetchAll(url, into) {
    return getJSON(url).then(function (page) {
      Array.prototype.push.apply(into, page.features || []);
      var next = (page.links || []).filter(function (l) { return l.rel === "next"; })[0];
      return next ? fetchAll(next.href, into) : into;
    });
  }

  function drawPlots(features) {
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function () { return VACANT; },
      onEachFeature: function (feature, plot) {
        var key = keyOf(feature.properties);
        plots[key] = { layer: plot, props: feature.properties };
        var tip = document.createElement("bdi");
        tip.textContent = feature.properties.district_code + " / " + feature.properties.code;
        plot.bindTooltip(tip, { sticky: true });
        plot.on("click", function () { toggle(key); });
        plot.on("add", function () {
          var path = plot.getElement();
          if (path) {
            path.setAttribute("data-plot", key);
            path.setAttribute("data-chosen", "false");
          }
        });
      }
    }).addTo(map);
    if (features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
    zoomBar(layer, features);
    map.getContainer().setAttribute("data-plots-drawn", String(features.length));
  }

  // Districts lie kilometres apart and a plot is a dot at the zone's scale: one button per
  // district with vacant plots zooms to them, one more goes back to all of them.
  function zoomBar(all, features) {
    var bar = document.getElementById("zoom-bar");
    var bounds = {};
    features.forEach(function (f) {
      var key = keyOf(f.properties);
      var code = f.properties.district_code;
      var b = plots[key].layer.getBounds();
      bounds[code] = bounds[code] ? bounds[code].extend(b) : L.latLngBounds(b.getSouthWest(),
                                                                            b.getNorthEast());
    });
    function button(text, code, target) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      if (code) { b.setAttribute("data-district", code); }
      b.addEventListener("click", function () { map.fitBounds(target, { padding: [10, 10] }); });
      bar.appendChild(document.createTextNode(" "));
      bar.appendChild(b);
    }
    data.districts.forEach(function (d) {
      if (bounds[d.code]) { button(d.name, d.code, bounds[d.code]); }
    });
    if (features.length) { button(data.text.whole_zone, null, all.getBounds()); }
    bar.hidden = !features.length;
  }

  Promise.all(data.statuses.map(function (status) {
    return fetchAll(data.plotsUrl + "?status=" + encodeURIComponent(status) + "&limit=1000", []);
  }))
    .then(function (pages) {
      var wanted = {};
      data.landUses.forEach(function (use) { wanted[use] = true; });
      drawPlots([].concat.apply([], pages).filter(function (f) {
        return wanted[f.properties.land_use];
      }));
    })
    .catch(function (body) {
      map.getContainer().setAttribute("data-plots-drawn", "0");
      showProblem(data.text.plots_failed, body);
    });
  renderList();

  // --- purpose: an expansion names one of the investor's units ---------------------------
  var purpose = document.getElementById("purpose");
  function showExpansion() {
    var expansion = purpose.value === "expansion";
    Array.prototype.forEach.call(document.querySelectorAll(".inv-expansion"), function (el) {
      el.hidden = !expansion;
    });
  }
  purpose.addEventListener("change", showExpansion);
  showExpansion();

  // --- sending ----------------------------------------------------------------------------
  function body() {
    var share = number("export-share");
    var out = {
      purpose: purpose.value, isic4: latin(value("isic4")), env_group: value("env-group"),
      area_min_m2: number("area-min"), area_max_m2: number("area-max"),
      power_kva: number("power-kva"), water_m3_day: number("water-m3-day"),
      needs_gas: checked("needs-gas"), needs_rail: checked("needs-rail"),
      knowledge_based: checked("knowledge-based"),
      preferred_districts: Array.prototype.map.call(
        document.querySelectorAll("#preferred-districts input:checked"),
        function (box) { return box.value; }),
      preferred_plots: chosen.map(function (key) {
        return { district: plots[key].props.district_code, code: plots[key].props.code };
      }),
      licence_no: value("licence-no") || null,
      investment_rial: number("investment-rial"), jobs: number("jobs"),
      export_share: typeof share === "number" ? share / 100 : share,
      note: value("note") || null
    };
    if (out.purpose === "expansion") {
      out.unit_ref = value("unit-ref") || null;
      out.expansion_kind = value("expansion-kind");
    }
    if (data.investorRef) { out.investor_ref = data.investorRef; }
    return out;
  }

  function done(problem) {
    submit.disabled = false;
    sending.hidden = true;
    if (problem) { showProblem(data.text.refused, problem); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submit.disabled) { return; }
    alertBox.hidden = true;
    var payload = JSON.stringify(body());
    submit.disabled = true;
    sending.hidden = false;
    zonesPage.csrfToken()
      .then(function (token) {
        return fetch(data.submitUrl, {
          method: "POST", body: payload, credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json",
                     "X-CSRF-Token": token, "Idempotency-Key": idempotencyKey } });
      })
      .then(function (r) {
        if (r.ok) {
          // Read the stored request first: leaving with its body unread aborts the response.
          return r.json().then(function () { window.location.assign(data.doneUrl); });
        }
        return zonesPage.readProblem(r).then(done);
      })
      .catch(function (problem) {
        done(problem && (problem.detail || problem.code) ? problem
          : { detail: String(problem && problem.message || problem) });
      });
  });
}());

// A plan revision's page: the revision's features and every located problem on a Leaflet
// map (coloured by severity), the problem list zooming to its problem, the diff against the
// approved plan (counts, changes, a map layer), and the submit button. Data comes from the
// JSON block the server rendered and from the JSON API with the browser's session. Text
// from the server or the file goes in with textContent, never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("revision-data").textContent);
  var number = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 1 });
  var signed = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 1,
                                                    signDisplay: "exceptZero" });
  var alertBox = document.getElementById("revision-alert");

  var getJSON = zonesPage.getJSON;

  function showProblem(body) {
    zonesPage.showProblem(alertBox, data.text.failed, body, "plans");
  }

  function tip(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  // --- the map ------------------------------------------------------------------------
  var map = L.map("revision-map", { zoomControl: false, attributionControl: !!data.basemap });
  L.control.zoom({ position: data.rtl ? "topright" : "topleft" }).addTo(map);
  L.control.scale({ imperial: false, position: data.rtl ? "bottomright" : "bottomleft" })
    .addTo(map);
  // The zoom level on the container: tests (and styles) can tell the map moved.
  map.on("zoomend", function () {
    map.getContainer().setAttribute("data-zoom", String(map.getZoom()));
  });
  map.setView([37.47, 49.46], 12);
  if (data.basemap) {
    L.tileLayer(data.basemap.url, { maxZoom: 19, attribution: data.basemap.attribution })
      .addTo(map);
  }
  // Problems in a pane of their own, above the features' canvas, so they stay clickable.
  map.createPane("problems").style.zIndex = 450;
  var featureLayer = L.featureGroup().addTo(map);
  var problemLayer = L.featureGroup().addTo(map);
  var diffLayer = null;
  var shapes = {};   // problem number -> its Leaflet layer
  var active = null;

  function problemStyle(p, highlighted) {
    var colour = data.colours[p.severity] || "#555";
    return { color: highlighted ? "#1a1a1a" : colour, fillColor: colour,
             weight: highlighted ? 6 : 3, fillOpacity: highlighted ? 0.6 : 0.35,
             className: "plans-problem-shape", pane: "problems" };
  }

  // Every drawn shape of a layer: a problem located by a GeometryCollection (the plots a
  // plan retires) is a group of groups, each of whose paths must carry the problem number.
  function eachPath(layer, fn) {
    if (layer.eachLayer) { layer.eachLayer(function (part) { eachPath(part, fn); }); }
    else { fn(layer); }
  }

  data.problems.forEach(function (p) {
    if (!p.location) { return; }
    var layer = L.geoJSON(p.location, {
      style: function () { return problemStyle(p, false); },
      pointToLayer: function (_f, latlng) {
        return L.circleMarker(latlng, Object.assign({ radius: 8 }, problemStyle(p, false)));
      }
    });
    eachPath(layer, function (part) {
      part.bindTooltip(tip("#" + (p.n + 1) + " " + p.code));
      part.on("click", function () { select(p.n, false); });
    });
    layer.addTo(problemLayer);
    eachPath(layer, function (part) {
      var element = part.getElement && part.getElement();
      if (element) {
        element.setAttribute("data-problem", String(p.n));
        element.setAttribute("data-severity", p.severity);
      }
    });
    shapes[p.n] = { layer: layer, problem: p };
  });

  function fitAll() {
    var bounds = featureLayer.getBounds();
    if (problemLayer.getLayers().length) {
      bounds = bounds.isValid() ? bounds.extend(problemLayer.getBounds())
        : problemLayer.getBounds();
    }
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 }); }
  }

  function select(n, zoom) {
    var items = document.querySelectorAll("#problem-list li");
    Array.prototype.forEach.call(items, function (li) {
      var chosen = li.getAttribute("data-problem") === String(n);
      li.classList.toggle("plans-active", chosen);
      li.setAttribute("aria-current", chosen);
      if (chosen && !zoom) { li.scrollIntoView({ block: "nearest" }); }  // picked on the map
    });
    if (active !== null && shapes[active]) {
      shapes[active].layer.setStyle(problemStyle(shapes[active].problem, false));
      setActive(shapes[active].layer, false);
    }
    active = n;
    var shape = shapes[n];
    if (!shape) { return; }
    shape.layer.setStyle(problemStyle(shape.problem, true));
    shape.layer.bringToFront();
    setActive(shape.layer, true);
    if (zoom) {
      map.fitBounds(shape.layer.getBounds(), { padding: [60, 60], maxZoom: 19 });
    }
  }

  function setActive(layer, on) {
    eachPath(layer, function (part) {
      var element = part.getElement && part.getElement();
      if (element) { element.classList.toggle("plans-problem-active", on); }
    });
  }

  var list = document.getElementById("problem-list");
  if (list) {
    list.addEventListener("click", function (event) {
      var li = event.target.closest("li[data-problem]");
      if (li) { select(Number(li.getAttribute("data-problem")), true); }
    });
  }

  var drawn = 0;  // features drawn, for the page's readers and tests
  // A revision may hold tens of thousands of plots: they go on one canvas, while the few
  // problems stay SVG elements a person (and a test) can pick out.
  var canvas = L.canvas({ padding: 0.5 });

  function loadFeatures(url) {
    return getJSON(url).then(function (page) {
      L.geoJSON(page, {
        style: function () {
          return { color: "#08306b", weight: 1, fillColor: "#6baed6", fillOpacity: 0.25,
                   renderer: canvas };
        },
        pointToLayer: function (_f, latlng) {
          return L.circleMarker(latlng, { radius: 4, renderer: canvas });
        },
        onEachFeature: function (feature, layer) {
          drawn += 1;
          var code = feature.properties && feature.properties.code;
          if (code) { layer.bindTooltip(tip(String(code))); }
        }
      }).addTo(featureLayer);
      var next = (page.links || []).filter(function (l) { return l.rel === "next"; })[0];
      return next ? loadFeatures(next.href) : null;
    });
  }

  loadFeatures(data.urls.features)
    .then(function () {
      fitAll();
      document.body.setAttribute("data-features-drawn", String(drawn));
    })
    .catch(function (body) { fitAll(); showProblem(body); });

  // --- the diff -----------------------------------------------------------------------
  var kindColours = { added: "#2e7d32", removed: "#6a1b9a", reshaped: "#1565c0",
                      recoded: "#00838f", rezoned: "#795548" };

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  getJSON(data.urls.diff).then(function (diff) {
    Object.keys(diff.counts).forEach(function (kind) {
      var td = document.getElementById("diff-count-" + kind);
      if (td) { td.textContent = number.format(diff.counts[kind]); }
    });
    var body = document.querySelector("#diff-changes tbody");
    Object.keys(data.text.kinds).forEach(function (kind) {
      (diff[kind] || []).forEach(function (c) {
        var row = document.createElement("tr");
        row.setAttribute("data-kind", kind);
        cell(row, data.text.kinds[kind]);
        cell(row, c.code || "—");
        cell(row, c.old_code || "—");
        cell(row, c.area_delta_m2 === null || c.area_delta_m2 === undefined ? "—"
          : signed.format(c.area_delta_m2));
        body.appendChild(row);
      });
    });
    if (diff.warnings && diff.warnings.length) {
      var ul = document.getElementById("diff-warning-list");
      diff.warnings.forEach(function (w) {
        var li = document.createElement("li");
        li.textContent = data.lang === "fa" ? w.message_fa : w.message_en;
        ul.appendChild(li);
      });
      document.getElementById("diff-warnings").hidden = false;
    }
    document.body.setAttribute("data-diff-loaded", "1");
  }).catch(showProblem);

  document.getElementById("diff-toggle").addEventListener("change", function (event) {
    if (!event.target.checked) {
      if (diffLayer) { map.removeLayer(diffLayer); }
      return;
    }
    if (diffLayer) { diffLayer.addTo(map); return; }
    getJSON(data.urls.diffGeojson).then(function (collection) {
      diffLayer = L.geoJSON(collection, {
        style: function (f) {
          var colour = kindColours[f.properties.kind] || "#333";
          return { color: colour, weight: 3, dashArray: "6 4", fillColor: colour,
                   fillOpacity: 0.2, className: "plans-diff-shape" };
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(tip((data.text.kinds[f.properties.kind] || f.properties.kind) +
                                ": " + (f.properties.code || f.properties.old_code || "")));
        }
      });
      if (event.target.checked) { diffLayer.addTo(map); }
    }).catch(showProblem);
  });

  // --- submit -------------------------------------------------------------------------
  var submit = document.getElementById("revision-submit");
  if (submit) {
    submit.addEventListener("click", function () {
      submit.disabled = true;
      alertBox.hidden = true;
      zonesPage.csrfToken().then(function (token) {
        return fetch(data.urls.submit, {
          method: "POST", credentials: "same-origin",
          headers: { "X-CSRF-Token": token, Accept: "application/json" }
        });
      }).then(function (r) {
        return r.json().catch(function () { return { detail: r.statusText }; })
          .then(function (b) { if (!r.ok) { throw b; } return b; });
      }).then(function (revision) {
        var status = document.getElementById("revision-status");
        status.setAttribute("data-status", revision.status);
        status.className = "plans-status plans-status-" + revision.status;
        status.textContent = revision.status === "submitted" ? data.text.submitted
          : revision.status;
        var done = document.getElementById("revision-done");
        done.textContent = data.text.submitDone;
        done.hidden = false;
        submit.hidden = true;
      }).catch(function (body) { submit.disabled = false; showProblem(body); });
    });
  }
})();

// The plan upload form: sends the file to POST /districts/{code}/uploads with the browser's
// session (X-CSRF-Token), follows a background job's progress, then opens the revision page.
// A refusal shows the problem's code, detail and where (file, layer, feature) in role=alert.
// Everything the server sent is shown with textContent, never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("plans-data").textContent);
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var alertBox = document.getElementById("upload-alert");
  var progress = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var statusText = document.getElementById("upload-status");
  var send = document.getElementById("upload-send");
  var percent = new Intl.NumberFormat(data.locale, { style: "percent" });

  function value(id) { return document.getElementById(id).value.trim(); }

  function options() {
    var opts = {};
    var crs = value("opt-crs"); if (crs) { opts.crs = crs; }
    var fmt = value("opt-format"); if (fmt) { opts.format = fmt; }
    var enc = value("opt-encoding"); if (enc) { opts.encoding = enc; }
    var wkt = value("opt-wkt"); if (wkt) { opts.wkt_column = wkt; }
    var role = value("opt-role"); if (role && role !== "plots") { opts.default_role = role; }
    if (document.getElementById("opt-swap").checked) { opts.swap_axes = true; }
    var columns = {};
    var code = value("opt-code"); if (code) { columns[code] = "code"; }
    var use = value("opt-land-use"); if (use) { columns[use] = "land_use"; }
    if (Object.keys(columns).length) { opts.columns = columns; }
    var layers = {};
    value("opt-layers").split(/\n/).forEach(function (line) {
      var at = line.lastIndexOf("=");
      if (at > 0) { layers[line.slice(0, at).trim()] = line.slice(at + 1).trim(); }
    });
    if (Object.keys(layers).length) { opts.layers = layers; }
    return opts;
  }

  function showProblem(title, body) {
    zonesPage.showProblem(alertBox, title, body, "plans");
    // Where a refused file went wrong (file, layer, feature, row...), when the problem says.
    var where = document.createElement("ul");
    where.className = "plans-problem-where";
    data.whereKeys.forEach(function (key) {
      if (!body || body[key] === undefined || body[key] === null) { return; }
      var item = document.createElement("li");
      var shown = Array.isArray(body[key]) ? body[key].join("، ") : String(body[key]);
      item.textContent = data.where[key] + ": ";
      var bdi = document.createElement("bdi");
      bdi.textContent = shown;
      item.appendChild(bdi);
      where.appendChild(item);
    });
    if (where.childNodes.length) { alertBox.appendChild(where); }
    progress.hidden = true;
    send.disabled = false;
  }

  function openRevision(id) {
    window.location.assign(data.revisionPage.replace("{id}", String(id)));
  }

  function poll(url) {
    zonesPage.getJSON(url)
      .then(function (job) {
        bar.value = job.progress;
        statusText.textContent = percent.format(job.progress / 100);
        if (job.status === "succeeded" && job.revision_id) {
          openRevision(job.revision_id);
        } else if (job.status === "failed") {
          showProblem(data.text.refused, { code: job.error_code, detail: job.error_detail,
                                           file: job.filename });
        } else {
          window.setTimeout(function () { poll(url); }, 400);
        }
      })
      .catch(function (body) { showProblem(data.text.failed, body); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    alertBox.hidden = true;
    var input = document.getElementById("upload-file");
    if (!input.files.length) { input.focus(); return; }
    var body = new FormData();
    body.append("file", input.files[0]);
    body.append("options", JSON.stringify(options()));
    var url = data.uploadUrl.replace("{code}", encodeURIComponent(value("upload-district")));
    if (document.getElementById("opt-background").checked) { url += "?background=true"; }
    send.disabled = true;
    progress.hidden = false;
    bar.removeAttribute("value");  // indeterminate while the file travels
    statusText.textContent = data.text.uploading;
    zonesPage.csrfToken()
      .then(function (token) {
        return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                            headers: { "X-CSRF-Token": token, Accept: "application/json" } });
      })
      .then(function (r) {
        if (r.status === 201) {
          return r.json().then(function (revision) { openRevision(revision.id); });
        }
        if (r.status === 202) {
          return r.json().then(function (job) { bar.value = job.progress; poll(job.links.self); });
        }
        return zonesPage.readProblem(r).then(function (b) { showProblem(data.text.refused, b); });
      })
      .catch(function (b) { showProblem(data.text.failed, b && b.detail ? b : null); });
  });
})();

// The review queue (maps/review_page.py): decide on plan revisions, score, reserve, approve
// and reject allocation requests through the JSON API with the browser's session cookie
// and its CSRF token. Problems (RFC 9457) go in the page's role="alert" box; text from
// the server goes in with textContent, never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var number = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 1 });
  var alertBox = document.getElementById("review-alert");
  var doneBox = document.getElementById("review-done");
  var DONE = { review: "done_reviewed", reserve: "done_reserved", approve: "done_approved",
               reject: "done_rejected", release: "done_released" };

  var getJSON = zonesPage.getJSON;

  function post(url, body) {
    return zonesPage.csrfToken().then(function (value) {
      return fetch(url, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", Accept: "application/json",
                   "X-CSRF-Token": value }
      });
    }).then(function (r) {
      return r.ok ? r.json() : zonesPage.readProblem(r).then(function (b) { throw b; });
    });
  }

  function clearMessages() {
    alertBox.hidden = true;
    alertBox.textContent = "";
    doneBox.hidden = true;
    doneBox.textContent = "";
  }

  function showProblem(body) {
    // The heading in the page's language; the code says which problem.
    zonesPage.showProblem(alertBox, data.text.failed,
                          body && (body.code || body.detail || body.message) ? body
                          : { detail: String(body || "") }, "review");
    alertBox.scrollIntoView({ block: "nearest" });
  }

  function showDone(text) {
    doneBox.textContent = text;
    doneBox.hidden = false;
  }

  function busy(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) {
      b.disabled = on;
    });
  }

  function recount(section) {
    var items = document.querySelectorAll("#" + section + "-table tbody.review-item");
    document.getElementById(section + "-count").textContent = number.format(items.length);
    if (!items.length) {
      document.getElementById(section + "-table").hidden = true;
      document.getElementById(section + "-empty").hidden = false;
    }
  }

  function leave(item, section) {
    item.parentNode.removeChild(item);
    recount(section);
  }

  // --- plan revisions -------------------------------------------------------------------
  function decideRevision(form, action) {
    if (action === "release") {
      return { reason: form.elements.release_reason.value.trim() || null };
    }
    var ref = form.elements.decision_ref;
    if (!ref.value.trim()) { ref.reportValidity(); ref.focus(); return; }
    var comments = form.elements.comments.value.trim();
    var day = form.elements.decision_date.value;
    if (day) {  // the API keeps no meeting date of its own: it goes with the comments
      comments = data.text.decision_date + ": " + day + (comments ? "\n" + comments : "");
    }
    var body = { decision_ref: ref.value.trim(), comments: comments || null };
    var ack = form.elements.acknowledge_retired;
    if (action === "approve" && ack) {
      // The approval retires current plots: the API wants their number acknowledged.
      if (!ack.checked) { ack.reportValidity(); ack.focus(); return; }
      body.retire_count = Number(ack.value);
    }
    clearMessages();
    busy(form, true);
    var id = form.getAttribute("data-revision");
    post(zonesPage.url("/revisions/" + id + "/" + action), body)
      .then(function (revision) {
        leave(document.getElementById("revision-" + id), "revisions");
        showDone(data.text["revision_" + revision.status] + " — " + revision.decision_ref);
      })
      .catch(function (problem) { busy(form, false); showProblem(problem); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.review-decision"),
    function (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      Array.prototype.forEach.call(form.querySelectorAll("button[data-action]"), function (b) {
        b.addEventListener("click", function () {
          decideRevision(form, b.getAttribute("data-action"));
        });
      });
    });

  // --- allocation requests --------------------------------------------------------------
  function applyStatus(item, status) {
    item.setAttribute("data-status", status);
    Array.prototype.forEach.call(item.querySelectorAll("[data-when]"), function (el) {
      var statuses = data.actions[el.getAttribute("data-when")] || [];
      el.hidden = statuses.indexOf(status) < 0;
    });
  }

  function refresh(item, request) {
    if (data.queued.indexOf(request.status) < 0) {
      leave(item, "requests");
      return;
    }
    applyStatus(item, request.status);
    item.querySelector('[data-field="status"]').textContent = data.status[request.status];
    item.querySelector('[data-field="score"]').textContent = request.scores.length
      ? number.format(request.total_score) : data.text.unscored;
    var cell = item.querySelector('[data-field="reserved"]');
    cell.textContent = "";
    if (request.reservation) {
      var plot = document.createElement("span");
      plot.dir = "ltr";
      plot.textContent = request.reservation.district + "/" + request.reservation.code;
      cell.appendChild(plot);
    }
  }

  function loadMatches(form) {
    var id = form.getAttribute("data-request");
    var select = form.elements.plot;
    select.textContent = "";
    var wait = document.createElement("option");
    wait.value = "";
    wait.textContent = data.text.loading;
    select.appendChild(wait);
    var matches = zonesPage.url("/requests/" + id + "/matches?limit=" + data.matches);
    return getJSON(matches).then(function (found) {
      select.textContent = "";
      if (!found.items.length) {
        var none = document.createElement("option");
        none.value = "";
        none.textContent = data.text.no_matches;
        select.appendChild(none);
        select.disabled = true;
        return;
      }
      found.items.forEach(function (m) {
        var option = document.createElement("option");
        option.value = JSON.stringify({ district: m.district, code: m.code });
        option.textContent = m.district + "/" + m.code + " — " + number.format(m.area_m2) + " " +
          data.text.m2 + " — " + data.text.score + " " + number.format(m.score);
        select.appendChild(option);
      });
      select.disabled = false;
      select.setAttribute("data-loaded", String(found.items.length));
    });
  }

  function chosenPlot(form) {
    var select = form.elements.plot;
    return select && !select.disabled && select.value ? JSON.parse(select.value) : null;
  }

  function requestBody(form, action, item) {
    if (action === "review") {
      var scores = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[data-criterion]"),
        function (input) {
          if (input.value !== "") { scores[input.getAttribute("data-criterion")] =
                                    Number(input.value); }
        });
      return { scores: scores };
    }
    if (action === "reserve") {
      var plot = chosenPlot(form);
      if (!plot) { throw { detail: data.text.choose_plot }; }
      return { plot: plot };
    }
    if (action === "release") {
      return { reason: form.elements.release_reason.value.trim() || null };
    }
    var ref = form.elements.decision_ref;
    if (!ref.value.trim()) { ref.reportValidity(); ref.focus(); return null; }
    if (action === "reject") {
      return { decision_ref: ref.value.trim(),
               reason: form.elements.reason.value.trim() || null };
    }
    var body = { decision_ref: ref.value.trim() };
    if (item.getAttribute("data-status") !== "reserved") {
      body.plot = chosenPlot(form);
      if (!body.plot) { throw { detail: data.text.choose_plot }; }
    }
    return body;
  }

  function act(form, action) {
    var item = document.getElementById("request-" + form.getAttribute("data-request"));
    clearMessages();
    if (action === "matches") {
      busy(form, true);
      loadMatches(form).catch(showProblem).then(function () { busy(form, false); });
      return;
    }
    var body;
    try {
      body = requestBody(form, action, item);
    } catch (problem) {
      showProblem(problem);
      return;
    }
    if (body === null) { return; }
    busy(form, true);
    post(zonesPage.url("/requests/" + form.getAttribute("data-request") + "/" + action), body)
      .then(function (request) {
        busy(form, false);
        refresh(item, request);
        var text = data.text[DONE[action]];
        showDone("#" + number.format(request.id) + ": " + text +
                 (request.decision_ref ? " — " + request.decision_ref : ""));
      })
      .catch(function (problem) { busy(form, false); showProblem(problem); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.review-request-form"),
    function (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      Array.prototype.forEach.call(form.querySelectorAll("button[data-action]"), function (b) {
        b.addEventListener("click", function () { act(form, b.getAttribute("data-action")); });
      });
    });
  // Requests competing for one plot: the working group may draw lots (seed recorded).
  Array.prototype.forEach.call(document.querySelectorAll("button.review-lottery"),
    function (button) {
      button.addEventListener("click", function () {
        var plot = button.getAttribute("data-plot").split("/");
        clearMessages();
        button.disabled = true;
        post(zonesPage.url("/plots/" + encodeURIComponent(plot[0]) + "/" +
             encodeURIComponent(plot.slice(1).join("/")) + "/lottery"), {})
          .then(function (drawn) {
            button.disabled = false;
            showDone(data.text.lottery_done + " " + drawn.district + "/" + drawn.code + ": " +
                     drawn.result.map(function (id) { return "#" + number.format(id); })
                       .join(", ") + " (" + data.text.lottery_seed + " " + drawn.seed + ")");
          })
          .catch(function (problem) { button.disabled = false; showProblem(problem); });
      });
    });
  document.body.setAttribute("data-review-ready", "1");
})();

// What every page script shares: reading the JSON API with the browser's session, the
// session's CSRF token for changes, and an RFC 9457 problem shown in the page's alert box.
// Text only (textContent): a problem's detail may echo what the user typed.
var zonesPage = (function () {
  "use strict";
  var token = null;
  // The service's path prefix behind a proxy ("" at the site root), from the page.
  var rootMeta = document.querySelector('meta[name="zones-root"]');
  var root = rootMeta ? rootMeta.getAttribute("content").replace(/\/+$/, "") : "";

  /* ``path`` (absolute, "/requests/7") under the service's root. */
  function url(path) { return root + path; }

  /* The problem body of a failed response (or its status text when it has none). */
  function readProblem(response) {
    return response.json().catch(function () { return { detail: response.statusText }; });
  }

  /* GET ``url`` as JSON; a failed response rejects with its problem body. */
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin",
                        headers: { Accept: "application/json, application/geo+json" } })
      .then(function (r) {
        if (!r.ok) { return readProblem(r).then(function (b) { throw b; }); }
        return r.json();
      });
  }

  /* The session's CSRF token (asked for once per page), sent as X-CSRF-Token. */
  function csrfToken() {
    if (token) { return Promise.resolve(token); }
    return getJSON(url("/auth/session")).then(function (s) { token = s.csrf_token; return token; });
  }

  /* ``title`` in bold, the problem's code and detail after it, in ``box`` (role=alert).
   * ``prefix`` names the code and detail elements' classes (``<prefix>-problem-code``). */
  function showProblem(box, title, body, prefix) {
    box.textContent = "";
    var head = document.createElement("strong");
    head.textContent = title;
    box.appendChild(head);
    if (body && body.code) {
      var code = document.createElement("code");
      code.className = prefix + "-problem-code";
      code.textContent = body.code;
      box.appendChild(document.createTextNode(" "));
      box.appendChild(code);
    }
    var text = body && (body.detail || body.message);
    if (text) {
      var detail = document.createElement("p");
      detail.className = prefix + "-problem-detail";
      detail.textContent = text;
      box.appendChild(detail);
    }
    box.hidden = false;
  }

  return { url: url, readProblem: readProblem, getJSON: getJSON, csrfToken: csrfToken,
           showProblem: showProblem };
})();

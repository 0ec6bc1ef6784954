/*
 * inclusio.js — for web EHRs that cannot embed the Inclusio SDK.
 *
 *   Inclusio.match({server, apiKey, patient | fhir, pseudonym, date?, lang?})
 *     POSTs the record to {server}/api/v1/match (held in the server's memory only), shows
 *     the first alert's pop-up in an accessible modal (focus moved in and trapped, Esc =
 *     "not now", focus returned on close), records that it was shown, and posts the GP's
 *     answer to {server}/api/v1/events. On accept it opens the consent address.
 *     Resolves with {alert, response} (response null when there was nothing to show).
 *
 * On the page /popup/{token} (an iframe or a new window), the same buttons post the answer
 * to /popup/{token}/answer instead: no API key is needed there.
 */
(function () {
  "use strict";

  var SNOOZE_DAYS = 30;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function postJson(url, body, apiKey) {
    var headers = { "Content-Type": "application/json" };
    if (apiKey) {
      headers.Authorization = "Bearer " + apiKey;
    }
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "omit" })
      .then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) {
            var e = new Error((j && j.error && j.error.message) || ("HTTP " + r.status));
            e.status = r.status;
            e.body = j;
            throw e;
          }
          return j;
        });
      });
  }

  function snoozeDate() {
    var d = new Date();
    d.setUTCDate(d.getUTCDate() + SNOOZE_DAYS);
    return d.toISOString().slice(0, 10);
  }

  /* The answer of a button: {id, response, reason?, snooze_until?, at}. */
  function answerOf(root, button) {
    var action = button.getAttribute("data-inclusio-action");
    var alertId = button.getAttribute("data-alert-id");
    var a = { id: newId(), at: new Date().toISOString() };
    if (action === "accept") {
      a.response = "accepted";
    } else if (action === "not_now") {
      a.response = "not_now";
      a.snooze_until = snoozeDate();
    } else {
      a.response = "declined";
      var checked = root.querySelector('input[name="inclusio-reason-' + alertId + '"]:checked');
      a.reason = checked ? checked.value : "other";
    }
    return a;
  }

  /* Wires the pop-up's buttons: send(answer) → Promise of the event result. */
  function wire(root, send, done) {
    var busy = false;
    var buttons = root.querySelectorAll("[data-inclusio-action]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        if (busy) {
          return;
        }
        busy = true;
        var a = answerOf(root, button);
        send(a).then(function (result) {
          if (a.response === "accepted" && result && result.consent_url) {
            window.open(result.consent_url, "_blank", "noopener");
          }
          done(a.response, result);
        }, function (err) {
          busy = false;
          done(null, null, err);
        });
      });
    });
    return function answerNotNow() {
      var b = root.querySelector('[data-inclusio-action="not_now"]');
      if (b) {
        b.click();
      }
    };
  }

  var FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

  /* Shows html in a modal; onEscape() is called on Esc. Returns {root, close}. */
  function modal(html, onEscape) {
    var opener = document.activeElement;
    var overlay = document.createElement("div");
    overlay.className = "inclusio-overlay";
    overlay.setAttribute("style", "position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483647");
    overlay.innerHTML = html;
    var dialog = overlay.querySelector('[role="dialog"]') || overlay.firstElementChild;
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("tabindex", "-1");
    var status = document.createElement("p");
    status.className = "inclusio-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    dialog.appendChild(status);
    document.body.appendChild(overlay);
    var hidden = [];
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el !== overlay && !el.hasAttribute("aria-hidden")) {
        el.setAttribute("aria-hidden", "true");
        hidden.push(el);
      }
    });
    function focusables() {
      return Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
        return !el.disabled && el.offsetParent !== null;
      });
    }
    function onKey(e) {
      if (e.key === "Escape") {
        e.preventDefault();
        onEscape();
      } else if (e.key === "Tab") {
        var f = focusables();
        if (f.length === 0) {
          e.preventDefault();
          return;
        }
        var first = f[0];
        var last = f[f.length - 1];
        if (e.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
          e.preventDefault();
          first.focus();
        }
      }
    }
    document.addEventListener("keydown", onKey, true);
    var f = focusables();
    (f[0] || dialog).focus();
    return {
      root: dialog,
      status: status,
      close: function () {
        document.removeEventListener("keydown", onKey, true);
        hidden.forEach(function (el) {
          el.removeAttribute("aria-hidden");
        });
        overlay.remove();
        if (opener && opener.focus) {
          opener.focus();
        }
      }
    };
  }

  function event(alert, pseudonym, a) {
    var e = {
      id: a.id, alert_id: alert.id, trial: alert.trial, trial_version: alert.trial_version,
      patient: pseudonym, verdict: alert.verdict, response: a.response, at: a.at
    };
    if (a.reason) {
      e.reason = a.reason;
    }
    if (a.snooze_until) {
      e.snooze_until = a.snooze_until;
    }
    return e;
  }

  function match(opts) {
    var server = (opts.server || "").replace(/\/+$/, "");
    if (!opts.pseudonym || !/^[0-9a-f]{64}$/.test(opts.pseudonym)) {
      return Promise.reject(new Error("Inclusio.match: `pseudonym` (64 hex digits) is required"));
    }
    var body = { pseudonym: opts.pseudonym };
    if (opts.fhir) {
      body.fhir = opts.fhir;
    } else {
      body.patient = opts.patient;
    }
    if (opts.date) {
      body.date = opts.date;
    }
    if (opts.lang) {
      body.lang = opts.lang;
    }
    var sendEvent = function (alert, a) {
      return postJson(server + "/api/v1/events", { events: [event(alert, opts.pseudonym, a)] }, opts.apiKey)
        .then(function (r) {
          return r.results[0];
        });
    };
    return postJson(server + "/api/v1/match", body, opts.apiKey).then(function (res) {
      var alert = res.alerts[0];
      if (!alert) {
        return { alert: null, response: null };
      }
      return new Promise(function (resolve) {
        var answerNotNow = function () {};
        var m = modal(alert.popup_html, function () {
          answerNotNow();
        });
        sendEvent(alert, { id: newId(), at: new Date().toISOString(), response: "shown" }).catch(function () {});
        answerNotNow = wire(m.root, function (a) {
          return sendEvent(alert, a);
        }, function (response, result, err) {
          if (err) {
            m.status.textContent = err.message;
            return;
          }
          m.close();
          resolve({ alert: alert, response: response, result: result });
        });
      });
    });
  }

  /* The /popup/{token} page: answers go to /popup/{token}/answer. */
  function popupPage() {
    var token = document.body && document.body.getAttribute("data-inclusio-popup");
    if (!token) {
      return;
    }
    var root = document.querySelector(".inclusio-popup");
    var status = document.querySelector(".inclusio-status");
    if (!root) {
      return;
    }
    var url = "/popup/" + encodeURIComponent(token) + "/answer";
    postJson(url, { id: newId(), at: new Date().toISOString(), response: "shown" }).catch(function () {});
    var answerNotNow = wire(root, function (a) {
      return postJson(url, a);
    }, function (response, result, err) {
      if (err) {
        status.textContent = err.message;
        return;
      }
      root.setAttribute("data-inclusio-answered", response);
      Array.prototype.forEach.call(root.querySelectorAll("button, input"), function (el) {
        el.disabled = true;
      });
      status.textContent = "✓";
      if (window.parent !== window) {
        window.parent.postMessage({ inclusio: "answered", response: response }, "*");
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        answerNotNow();
      }
    });
    var first = root.querySelector("button");
    if (first) {
      first.focus();
    }
  }

  window.Inclusio = { match: match, version: "1" };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", popupPage);
  } else {
    popupPage();
  }
})();

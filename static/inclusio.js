/*
 * inclusio.js — for web EHRs that cannot embed the Inclusio SDK.
 *
 *   Inclusio.match({server, apiKey, patient | fhir, pseudonym, date?, lang?})
 *     POSTs the record to {server}/api/v1/match (held in the server's memory only), records
 *     that the first alert was shown, and shows its pop-up as the practice's `display`
 *     setting says:
 *     - `modal`: an accessible modal; focus goes to the dialog itself (no answer button is
 *       focused), is trapped, and returns where it was on close;
 *     - `banner`: a line at the bottom of the page that takes no focus; the GP opens the
 *       pop-up in a side panel when they choose.
 *     Enter never answers (a GP typing a note cannot accept by accident: the answer buttons
 *     take a click or Space); Esc (or "Close without answering") closes without recording
 *     any answer, so the alert stays unanswered and a later consultation may show it again.
 *     Answers go to {server}/api/v1/events: accept (then the consent address opens), later
 *     (snoozed for the pop-up's data-snooze-days), or decline with the reason the GP ticked
 *     (none is pre-selected; without one, nothing is sent and the pop-up asks for it).
 *     Resolves with {alert, response, result} (response null when there was nothing to show
 *     or the GP closed it without answering).
 *
 * On the page /popup/{token} (an iframe or a new window), the same buttons post the answer
 * to /popup/{token}/answer instead: no API key is needed there. An answered page shows the
 * recorded answer with its buttons disabled (the server refuses a second answer).
 */
(function () {
  "use strict";

  var DEFAULT_SNOOZE_DAYS = 30;

  var STRINGS = {
    fr: {
      banner: "Un essai clinique pourrait concerner ce patient :",
      open: "Voir l’essai",
      dismiss: "Masquer",
      close: "Fermer sans répondre"
    },
    en: {
      banner: "A clinical trial may suit this patient:",
      open: "View the trial",
      dismiss: "Hide",
      close: "Close without answering"
    }
  };

  function strings(lang) {
    return STRINGS[lang === "en" ? "en" : "fr"];
  }

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

  /* The snooze the pop-up announces ("Later — 30 days"): its data-snooze-days. */
  function snoozeDate(root) {
    var popup = root.closest ? (root.closest("[data-snooze-days]") || root.querySelector("[data-snooze-days]")) : null;
    var days = parseInt(popup && popup.getAttribute("data-snooze-days"), 10);
    if (!(days > 0)) {
      days = DEFAULT_SNOOZE_DAYS;
    }
    var d = new Date();
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  /* The answer of a button: {id, response, reason?, snooze_until?, at}; null for a decline
   * without a chosen reason (the pop-up then asks for one). */
  function answerOf(root, button) {
    var action = button.getAttribute("data-inclusio-action");
    var alertId = button.getAttribute("data-alert-id");
    var a = { id: newId(), at: new Date().toISOString() };
    if (action === "accept") {
      a.response = "accepted";
    } else if (action === "not_now") {
      a.response = "not_now";
      a.snooze_until = snoozeDate(root);
    } else {
      var checked = root.querySelector('input[name="inclusio-reason-' + alertId + '"]:checked');
      var needed = root.querySelector(".inclusio-reason-required");
      if (!checked) {
        if (needed) {
          needed.hidden = false;
        }
        var first = root.querySelector('input[name="inclusio-reason-' + alertId + '"]');
        if (first) {
          first.focus();
        }
        return null;
      }
      if (needed) {
        needed.hidden = true;
      }
      a.response = "declined";
      a.reason = checked.value;
    }
    return a;
  }

  /* Wires the pop-up's buttons: send(answer) → Promise of the event result. Enter never
   * answers: on an answer button or anywhere in the form it does nothing (a click or Space
   * does). */
  function wire(root, send, done) {
    var busy = false;
    root.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target && e.target.closest && (e.target.closest("[data-inclusio-action]") || e.target.tagName === "INPUT")) {
        e.preventDefault();
        e.stopPropagation();
      }
    }, true);
    Array.prototype.forEach.call(root.querySelectorAll("form"), function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
      });
    });
    var buttons = root.querySelectorAll("[data-inclusio-action]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        if (busy) {
          return;
        }
        var a = answerOf(root, button);
        if (!a) {
          return;
        }
        busy = true;
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
  }

  var FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

  /* Shows html in a modal (or, modal false, a side panel that leaves the page usable);
   * onClose() is called on Esc or "Close without answering". Focus goes to the dialog
   * itself, never to an answer. Returns {root, status, close}. */
  function modal(html, onClose, lang, isModal) {
    if (isModal === undefined) {
      isModal = true;
    }
    var opener = document.activeElement;
    var overlay = document.createElement("div");
    overlay.className = isModal ? "inclusio-overlay" : "inclusio-panel";
    overlay.setAttribute("style", isModal
      ? "position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483647"
      : "position:fixed;top:0;right:0;bottom:0;max-width:36em;overflow:auto;padding:12px;background:#f6f6f6;box-shadow:-2px 0 10px rgba(0,0,0,.25);z-index:2147483647");
    overlay.innerHTML = html;
    var dialog = overlay.querySelector('[role="dialog"]') || overlay.firstElementChild;
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", isModal ? "true" : "false");
    dialog.setAttribute("tabindex", "-1");
    var closeButton = document.createElement("button");
    closeButton.type = "button";
    closeButton.className = "inclusio-close";
    closeButton.textContent = strings(lang).close;
    closeButton.addEventListener("click", function () {
      onClose();
    });
    var actions = dialog.querySelector(".inclusio-actions");
    (actions || dialog).appendChild(closeButton);
    var status = document.createElement("p");
    status.className = "inclusio-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    dialog.appendChild(status);
    document.body.appendChild(overlay);
    var hidden = [];
    if (isModal) {
      Array.prototype.forEach.call(document.body.children, function (el) {
        if (el !== overlay && !el.hasAttribute("aria-hidden")) {
          el.setAttribute("aria-hidden", "true");
          hidden.push(el);
        }
      });
    }
    function focusables() {
      return Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
        return !el.disabled && el.offsetParent !== null;
      });
    }
    function onKey(e) {
      if (e.key === "Escape") {
        if (!isModal && !dialog.contains(document.activeElement)) {
          return;
        }
        e.preventDefault();
        onClose();
      } else if (e.key === "Tab" && isModal) {
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
    dialog.focus();
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
    var lang = opts.lang === "en" ? "en" : "fr";
    return postJson(server + "/api/v1/match", body, opts.apiKey).then(function (res) {
      var alert = res.alerts[0];
      if (!alert) {
        return { alert: null, response: null };
      }
      sendEvent(alert, { id: newId(), at: new Date().toISOString(), response: "shown" }).catch(function () {});
      return new Promise(function (resolve) {
        function open(isModal, onClosed) {
          var m = modal(alert.popup_html, function () {
            m.close();
            onClosed();
          }, lang, isModal);
          wire(m.root, function (a) {
            return sendEvent(alert, a);
          }, function (response, result, err) {
            if (err) {
              m.status.textContent = err.message;
              return;
            }
            m.close();
            resolve({ alert: alert, response: response, result: result });
          });
        }
        var closed = function () {
          resolve({ alert: alert, response: null, result: null });
        };
        if (res.display === "banner") {
          banner(alert, lang, function (b) {
            open(false, function () {
              b.show();
            });
          }, closed);
        } else {
          open(true, closed);
        }
      });
    });
  }

  /* The non-interruptive mode: a line at the bottom of the page that takes no focus;
   * onOpen(banner) when the GP opens it, onDismiss() when they hide it (nothing recorded). */
  function banner(alert, lang, onOpen, onDismiss) {
    var s = strings(lang);
    var bar = document.createElement("div");
    bar.className = "inclusio-banner";
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", s.banner);
    bar.setAttribute("lang", lang);
    bar.setAttribute("style", "position:fixed;left:0;right:0;bottom:0;display:flex;gap:8px;align-items:center;padding:6px 12px;background:#e3f3ea;border-top:2px solid #0a6b3d;font:14px system-ui,sans-serif;z-index:2147483646");
    var text = document.createElement("span");
    text.textContent = s.banner + " " + alert.title + (alert.acronym ? " (" + alert.acronym + ")" : "");
    var openButton = document.createElement("button");
    openButton.type = "button";
    openButton.className = "inclusio-banner-open";
    openButton.textContent = s.open;
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "inclusio-banner-dismiss";
    dismiss.textContent = s.dismiss;
    bar.appendChild(text);
    bar.appendChild(openButton);
    bar.appendChild(dismiss);
    document.body.appendChild(bar);
    var b = {
      show: function () {
        bar.hidden = false;
      }
    };
    openButton.addEventListener("click", function () {
      bar.hidden = true;
      onOpen(b);
    });
    dismiss.addEventListener("click", function () {
      bar.remove();
      onDismiss();
    });
    return b;
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
    root.setAttribute("tabindex", "-1");
    if (document.body.hasAttribute("data-inclusio-answered")) {
      // Answered before: the server rendered the recorded answer, the buttons disabled.
      return;
    }
    function disable() {
      Array.prototype.forEach.call(root.querySelectorAll("button, input"), function (el) {
        el.disabled = true;
      });
    }
    var url = "/popup/" + encodeURIComponent(token) + "/answer";
    postJson(url, { id: newId(), at: new Date().toISOString(), response: "shown" }).catch(function () {});
    wire(root, function (a) {
      return postJson(url, a);
    }, function (response, result, err) {
      if (err) {
        status.textContent = err.message;
        if (err.body && err.body.error && err.body.error.code === "already_answered") {
          root.setAttribute("data-inclusio-answered", "before");
          disable();
        }
        return;
      }
      root.setAttribute("data-inclusio-answered", response);
      disable();
      status.textContent = "✓";
      if (window.parent !== window) {
        window.parent.postMessage({ inclusio: "answered", response: response }, "*");
      }
    });
    // Esc records nothing; a parent window may close the frame.
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && window.parent !== window) {
        window.parent.postMessage({ inclusio: "closed" }, "*");
      }
    });
    root.focus();
  }

  window.Inclusio = { match: match, version: "1" };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", popupPage);
  } else {
    popupPage();
  }
})();

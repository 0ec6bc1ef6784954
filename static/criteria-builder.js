/* Inclusio criteria builder: progressive enhancement of templates/criteria_builder.html.
 *
 * Without JavaScript the textarea #criteria-json (name="criteria") IS the editor. With it,
 * this script renders the criteria tree from the textarea, writes the textarea back on every
 * change (so the enclosing form always posts the builder's state), previews the criteria in
 * plain language and runs them against example patients. No framework, no build step.
 *
 * Hooks (stable, for browser tests):
 *   #criteria-builder            root; data-lang="fr|en"
 *   #tab-builder, #tab-json      the two tabs (role="tab"); #panel-builder, #panel-json
 *   #criteria-json               the textarea; #criteria-json-status: invalid-JSON message
 *   #add-inclusion, #add-exclusion   add a top-level criterion
 *   #inclusion-list, #exclusion-list the top-level lists (ol)
 *   li.criterion[data-path="$.criteria.inclusion[0]"]  one criterion (path as the server's)
 *     .criterion-id, .criterion-label-en, .criterion-label-fr, .criterion-kind (select)
 *     .move-up, .move-down, .remove, .group-kind (select all|any|at_least) + .group, .ungroup
 *     .add-child (groups), .at-least-n
 *     [data-field="age.min"] etc.: one input per field, named after its JSON key path
 *     .code-system (select), .code-search (input role=combobox), .code-options (listbox),
 *     .code-descendants ("include sub-codes"), .code-entry, .code-remove, .code-set-ref
 *     .field-error: a server problem shown next to the field whose path it names
 *   #preview                     aria-live region: the plain-language reading (nested lists)
 *   #preview-errors              problems without a field in view
 *   #test-patient (select), #test-record (textarea), #test-date, #test-run, #test-result
 */
(function () {
  "use strict";

  var root = document.getElementById("criteria-builder");
  var textarea = document.getElementById("criteria-json");
  if (!root || !textarea || !window.fetch || !window.JSON) { return; }

  var lang = root.getAttribute("data-lang") === "en" ? "en" : "fr";
  var textEl = document.getElementById("cb-text");
  function t(key) {
    var v = textEl && textEl.getAttribute("data-" + key);
    return v || key;
  }

  var EVENT_KINDS = ["condition", "reason_for_encounter", "medication", "procedure", "immunization", "allergy", "history"];
  var LEAF_KINDS = ["age", "sex"].concat(EVENT_KINDS, ["observation", "bmi"]);
  var GROUP_KINDS = ["all", "any", "at_least", "not"];
  var ALL_KINDS = LEAF_KINDS.concat(GROUP_KINDS);
  var SYSTEMS = { icpc2: "http://hl7.org/fhir/sid/icpc-2", icd10: "http://hl7.org/fhir/sid/icd-10", icd10cm: "http://hl7.org/fhir/sid/icd-10-cm", atc: "http://www.whocc.no/atc", loinc: "http://loinc.org", snomed: "http://snomed.info/sct", rxnorm: "http://www.nlm.nih.gov/research/umls/rxnorm", cvx: "http://hl7.org/fhir/sid/cvx" };
  var DEFAULT_SYSTEM = { condition: "icpc2", reason_for_encounter: "icpc2", medication: "atc", immunization: "atc", procedure: "icpc2", allergy: "icpc2", history: "icpc2", observation: "loinc" };
  var COMPARATORS = ["gte", "gt", "lte", "lt", "eq", "between"];
  var AGGREGATES = ["latest", "any", "all", "mean", "min", "max"];

  var state = null;       // the criteria object, as parsed from the textarea
  var uid = 0;
  function nextId(prefix) { uid += 1; return "cb-" + prefix + "-" + uid; }

  // ---------- tiny DOM helper ----------
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === "text") { el.textContent = v; }
      else if (k.slice(0, 2) === "on") { el.addEventListener(k.slice(2), v); }
      else if (k === "checked" || k === "value" || k === "selected") { el[k] = v; }
      else { el.setAttribute(k, v === true ? "" : v); }
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return el;
  }
  function labelled(labelText, input, extraClass) {
    var id = input.id || nextId("f");
    input.id = id;
    return h("div", { "class": "cb-field" + (extraClass ? " " + extraClass : "") }, [h("label", { "for": id, text: labelText }), input]);
  }
  function select(options, value, attrs, onChange) {
    var s = h("select", attrs || {}, options.map(function (o) {
      var v = Array.isArray(o) ? o[0] : o;
      var label = Array.isArray(o) ? o[1] : t("kind-" + o);
      return h("option", { value: v, selected: v === value, text: label });
    }));
    s.addEventListener("change", function () { onChange(s.value); });
    return s;
  }
  function numberInput(value, attrs, onChange) {
    var i = h("input", Object.assign({ type: "number", step: "any", inputmode: "decimal", value: value === undefined || value === null ? "" : String(value) }, attrs || {}));
    i.addEventListener("change", function () { onChange(i.value === "" ? undefined : Number(i.value)); });
    return i;
  }
  function textInput(value, attrs, onChange) {
    var i = h("input", Object.assign({ type: "text", value: value || "" }, attrs || {}));
    i.addEventListener("change", function () { onChange(i.value); });
    return i;
  }
  function setOrDelete(obj, key, v) {
    if (v === undefined || v === "" || v === null || v === false) { delete obj[key]; } else { obj[key] = v; }
  }

  // ---------- the model ----------
  function kindOf(c) {
    for (var i = 0; i < ALL_KINDS.length; i += 1) { if (Object.prototype.hasOwnProperty.call(c, ALL_KINDS[i])) { return ALL_KINDS[i]; } }
    return null;
  }
  function children(c) {
    var k = kindOf(c);
    if (k === "all" || k === "any") { return c[k]; }
    if (k === "at_least") { return c.at_least.of; }
    return null;
  }
  function childPath(path, c, i) {
    var k = kindOf(c);
    if (k === "at_least") { return path + ".at_least.of[" + i + "]"; }
    if (k === "not") { return path + ".not"; }
    return path + "." + k + "[" + i + "]";
  }
  function freshId() {
    var used = {};
    function walk(list) { (list || []).forEach(function (c) { used[c.id] = true; var ch = children(c); if (ch) { walk(ch); } if (c.not) { walk([c.not]); } }); }
    walk(state.inclusion); walk(state.exclusion);
    var n = 1;
    while (used["criterion-" + n]) { n += 1; }
    return "criterion-" + n;
  }
  function defaultBody(kind, previous) {
    var prevCodes = previous && EVENT_KINDS.indexOf(kindOf(previous)) >= 0 ? previous[kindOf(previous)].codes : null;
    switch (kind) {
      case "age": return { min: 18 };
      case "sex": return { is: "female" };
      case "observation": return { codes: { include: [] }, value: { gte: 0 } };
      case "bmi": return { value: { gte: 30 } };
      case "all": case "any": return [];
      case "at_least": return { n: 1, of: [] };
      case "not": return { id: freshId(), age: { min: 18 } };
      default: return { codes: prevCodes || { include: [] } };
    }
  }
  function setKind(c, kind) {
    var old = kindOf(c);
    var body = defaultBody(kind, c);
    if (old) { delete c[old]; }
    c[kind] = body;
  }
  function newCriterion(kind) {
    var c = { id: freshId() };
    c[kind || "age"] = defaultBody(kind || "age");
    return c;
  }

  // ---------- sync: state -> textarea, preview ----------
  var previewTimer = null;
  function sync() {
    textarea.value = JSON.stringify(state, null, 2);
    schedulePreview();
  }
  function changed() { sync(); render(); }

  // ---------- rendering the builder ----------
  function render() {
    ["inclusion", "exclusion"].forEach(function (section) {
      var list = document.getElementById(section + "-list");
      if (!list) { return; }
      list.textContent = "";
      (state[section] || []).forEach(function (c, i) {
        list.appendChild(renderCriterion(c, state[section], i, "$.criteria." + section + "[" + i + "]", 0));
      });
    });
    showErrors(lastErrors);
  }

  function renderCriterion(c, siblings, index, path, depth) {
    var kind = kindOf(c);
    var li = h("li", { "class": "criterion", "data-path": path, "data-kind": kind || "" });
    var head = h("div", { "class": "criterion-head" }, [
      labelled(t("id"), textInput(c.id, { "class": "criterion-id", "data-field": "id", required: true, autocomplete: "off" }, function (v) { c.id = v.trim(); changed(); })),
      labelled(t("label-en"), textInput(labelText(c.label, "en"), { "class": "criterion-label-en", "data-field": "label" }, function (v) { setLabel(c, "en", v); changed(); })),
      labelled(t("label-fr"), textInput(labelText(c.label, "fr"), { "class": "criterion-label-fr", "data-field": "label" }, function (v) { setLabel(c, "fr", v); changed(); })),
      labelled(t("kind"), select(ALL_KINDS, kind, { "class": "criterion-kind" }, function (v) { setKind(c, v); changed(); }))
    ]);
    li.appendChild(head);
    li.appendChild(renderActions(c, siblings, index, depth));
    var body = h("div", { "class": "criterion-body" });
    if (kind === "age") { body.appendChild(renderAge(c.age, path + ".age")); }
    else if (kind === "sex") { body.appendChild(renderSex(c.sex, path + ".sex")); }
    else if (EVENT_KINDS.indexOf(kind) >= 0) { body.appendChild(renderEvent(c[kind], kind, path + "." + kind)); }
    else if (kind === "observation") { body.appendChild(renderObservation(c.observation, path + ".observation")); }
    else if (kind === "bmi") { body.appendChild(renderBmi(c.bmi, path + ".bmi")); }
    else if (kind === "not") {
      body.appendChild(h("ol", { "class": "cb-list cb-children" }, [renderCriterion(c.not, null, 0, path + ".not", depth + 1)]));
    } else if (kind) {
      if (kind === "at_least") {
        body.appendChild(labelled(t("at-least-n"), numberInput(c.at_least.n, { "class": "at-least-n", min: 0, step: 1, "data-field": "at_least.n", "data-path": path + ".at_least.n" }, function (v) { c.at_least.n = v === undefined ? 0 : Math.round(v); changed(); })));
      }
      var list = children(c);
      var ol = h("ol", { "class": "cb-list cb-children" });
      list.forEach(function (child, i) { ol.appendChild(renderCriterion(child, list, i, childPath(path, c, i), depth + 1)); });
      body.appendChild(ol);
      body.appendChild(h("button", { type: "button", "class": "add-child", text: t("add-child"), onclick: function () { list.push(newCriterion("age")); changed(); } }));
    }
    li.appendChild(body);
    li.appendChild(h("div", { "class": "cb-errors-slot" }));
    return li;
  }

  function labelText(label, which) {
    if (!label) { return ""; }
    if (typeof label === "string") { return which === "en" ? label : ""; }
    return label[which] || "";
  }
  function setLabel(c, which, v) {
    var en = which === "en" ? v.trim() : labelText(c.label, "en");
    var fr = which === "fr" ? v.trim() : (typeof c.label === "string" ? "" : labelText(c.label, "fr"));
    if (!en && !fr) { delete c.label; }
    else if (!fr || fr === en) { c.label = en || fr; }
    else if (!en) { c.label = { fr: fr }; }
    else { c.label = { en: en, fr: fr }; }
  }

  function renderActions(c, siblings, index, depth) {
    var bar = h("div", { "class": "criterion-actions", role: "group", "aria-label": t("actions") });
    if (siblings) {
      bar.appendChild(h("button", { type: "button", "class": "move-up", disabled: index === 0, text: t("move-up"), onclick: function () { swap(siblings, index, index - 1); } }));
      bar.appendChild(h("button", { type: "button", "class": "move-down", disabled: index === siblings.length - 1, text: t("move-down"), onclick: function () { swap(siblings, index, index + 1); } }));
      bar.appendChild(h("button", { type: "button", "class": "remove", text: t("remove"), onclick: function () { siblings.splice(index, 1); changed(); } }));
      var groupKind = select([["all", t("kind-all")], ["any", t("kind-any")], ["at_least", t("kind-at_least")]], "any", { "class": "group-kind", "aria-label": t("group-kind") }, function () {});
      bar.appendChild(groupKind);
      bar.appendChild(h("button", { type: "button", "class": "group", text: t("group"), onclick: function () {
        var g = { id: freshId() };
        var k = groupKind.value;
        if (k === "at_least") { g.at_least = { n: 1, of: [c] }; } else { g[k] = [c]; }
        siblings[index] = g;
        changed();
      } }));
      var kids = children(c) || (c.not ? [c.not] : null);
      if (kids) {
        bar.appendChild(h("button", { type: "button", "class": "ungroup", text: t("ungroup"), onclick: function () {
          Array.prototype.splice.apply(siblings, [index, 1].concat(kids));
          changed();
        } }));
      }
    }
    return bar;
  }
  function swap(list, a, b) {
    if (b < 0 || b >= list.length) { return; }
    var tmp = list[a]; list[a] = list[b]; list[b] = tmp;
    changed();
  }

  function renderMissing(obj, path) {
    return labelled(t("missing"), select([["", t("missing-default")], ["not_met", t("missing-not_met")], ["unknown", t("missing-unknown")]], obj.missing || "", { "data-field": "missing", "data-path": path + ".missing" }, function (v) { setOrDelete(obj, "missing", v); changed(); }));
  }

  function renderAge(a, path) {
    return h("div", { "class": "cb-fields", "data-path": path }, [
      labelled(t("age-min"), numberInput(a.min, { min: 0, step: 1, "data-field": "age.min", "data-path": path + ".min" }, function (v) { setOrDelete(a, "min", v); changed(); })),
      labelled(t("age-max"), numberInput(a.max, { min: 0, step: 1, "data-field": "age.max", "data-path": path + ".max" }, function (v) { setOrDelete(a, "max", v); changed(); })),
      labelled(t("age-unit"), select([["years", t("years")], ["months", t("months")]], a.unit || "years", { "data-field": "age.unit" }, function (v) { setOrDelete(a, "unit", v === "years" ? undefined : v); changed(); })),
      renderMissing(a, path)
    ]);
  }

  function renderSex(s, path) {
    return h("div", { "class": "cb-fields", "data-path": path }, [
      labelled(t("sex-is"), select([["female", t("female")], ["male", t("male")], ["other", t("other")]], s.is, { "data-field": "sex.is", "data-path": path + ".is" }, function (v) { s.is = v; changed(); })),
      renderMissing(s, path)
    ]);
  }

  // A window: ever, within N, between N and M ago, more than N ago.
  function renderWindow(owner, path) {
    var w = owner.window || {};
    var mode = w.within ? "within" : (w.from && w.to ? "between" : (w.to ? "before" : (w.from ? "within" : "ever")));
    var wrap = h("div", { "class": "cb-window", "data-path": path + ".window" });
    var modeSel = select([["ever", t("window-ever")], ["within", t("window-within")], ["between", t("window-between")], ["before", t("window-before")]], mode, { "class": "window-mode", "data-field": "window" }, function (v) {
      if (v === "ever") { delete owner.window; }
      else if (v === "within") { owner.window = { within: w.within || w.from || "1y" }; }
      else if (v === "between") { owner.window = { from: w.from || w.within || "2y", to: w.to || "1y" }; }
      else { owner.window = { to: w.to || "1y" }; }
      changed();
    });
    wrap.appendChild(labelled(t("window"), modeSel));
    function offset(key, labelKey) {
      wrap.appendChild(labelled(t(labelKey), textInput(w[key] || "", { "class": "window-" + key, pattern: "[0-9]+[dwmy]", size: 5, "data-field": "window." + key, "data-path": path + ".window." + key, "aria-describedby": "cb-offset-help" }, function (v) { owner.window = owner.window || {}; setOrDelete(owner.window, key, v.trim()); changed(); })));
    }
    if (mode === "within") { offset(w.within || !w.from ? "within" : "from", "window-within-offset"); }
    if (mode === "between") { offset("from", "window-from"); offset("to", "window-to"); }
    if (mode === "before") { offset("to", "window-to"); }
    return wrap;
  }

  function renderCount(e, path) {
    var count = e.count || {};
    function setCount(key, v) {
      e.count = e.count || {};
      setOrDelete(e.count, key, v === undefined ? undefined : Math.round(v));
      if (!Object.keys(e.count).length) { delete e.count; }
      changed();
    }
    return h("div", { "class": "cb-count", "data-path": path + ".count" }, [
      labelled(t("count-min"), numberInput(count.min, { min: 0, step: 1, "data-field": "count.min" }, function (v) { setCount("min", v); })),
      labelled(t("count-max"), numberInput(count.max, { min: 0, step: 1, "data-field": "count.max" }, function (v) { setCount("max", v); }))
    ]);
  }

  function checkbox(obj, key, labelKey, path) {
    var id = nextId("c");
    var box = h("input", { type: "checkbox", id: id, checked: !!obj[key], "data-field": key, "data-path": path + "." + key });
    box.addEventListener("change", function () { setOrDelete(obj, key, box.checked); changed(); });
    return h("div", { "class": "cb-field cb-check" }, [box, h("label", { "for": id, text: t(labelKey) })]);
  }

  function renderEvent(e, kind, path) {
    return h("div", { "class": "cb-fields", "data-path": path }, [
      renderCodes(e, DEFAULT_SYSTEM[kind] || "icpc2", path),
      renderWindow(e, path),
      renderCount(e, path),
      checkbox(e, "first", "first", path),
      checkbox(e, "current", "current", path),
      renderMissing(e, path)
    ]);
  }

  // A value test: comparator, value(s), unit.
  function renderValue(owner, path, withUnit) {
    var v = owner.value || (owner.value = {});
    var comp = v.gte !== undefined && v.lte !== undefined ? "between" : (COMPARATORS.filter(function (c) { return v[c] !== undefined; })[0] || "gte");
    var first = comp === "between" ? v.gte : v[comp];
    var wrap = h("div", { "class": "cb-value", "data-path": path + ".value" });
    wrap.appendChild(labelled(t("comparator"), select(COMPARATORS.map(function (c) { return [c, t("cmp-" + c)]; }), comp, { "class": "value-comparator", "data-field": "value.comparator" }, function (c) {
      var x = first === undefined ? 0 : first;
      COMPARATORS.forEach(function (k) { delete v[k]; });
      if (c === "between") { v.gte = x; v.lte = x; } else { v[c] = x; }
      changed();
    })));
    wrap.appendChild(labelled(comp === "between" ? t("value-low") : t("value"), numberInput(first, { "class": "value-number", "data-field": "value." + (comp === "between" ? "gte" : comp) }, function (x) {
      if (comp === "between") { setOrDelete(v, "gte", x); } else { setOrDelete(v, comp, x); }
      changed();
    })));
    if (comp === "between") {
      wrap.appendChild(labelled(t("value-high"), numberInput(v.lte, { "class": "value-high", "data-field": "value.lte" }, function (x) { setOrDelete(v, "lte", x); changed(); })));
    }
    if (withUnit) {
      wrap.appendChild(labelled(t("unit"), textInput(v.unit, { "class": "value-unit", size: 10, "data-field": "value.unit", "data-path": path + ".value.unit" }, function (u) { setOrDelete(v, "unit", u.trim()); changed(); })));
    }
    return wrap;
  }

  function renderAggregate(owner, path) {
    var a = owner.aggregate;
    var share = a && typeof a === "object" && a.share_outside;
    var wrap = h("div", { "class": "cb-aggregate", "data-path": path + ".aggregate" });
    wrap.appendChild(labelled(t("aggregate"), select(AGGREGATES.map(function (x) { return [x, t("agg-" + x)]; }).concat([["share_outside", t("agg-share_outside")]]), share ? "share_outside" : (a || "latest"), { "class": "aggregate", "data-field": "aggregate" }, function (x) {
      if (x === "latest") { delete owner.aggregate; }
      else if (x === "share_outside") { owner.aggregate = { share_outside: { low: 2, high: 3 } }; }
      else { owner.aggregate = x; }
      changed();
    })));
    if (share) {
      wrap.appendChild(labelled(t("share-low"), numberInput(share.low, { "data-field": "aggregate.share_outside.low" }, function (x) { share.low = x === undefined ? 0 : x; changed(); })));
      wrap.appendChild(labelled(t("share-high"), numberInput(share.high, { "data-field": "aggregate.share_outside.high" }, function (x) { share.high = x === undefined ? 0 : x; changed(); })));
    }
    return wrap;
  }

  function renderObservation(o, path) {
    return h("div", { "class": "cb-fields", "data-path": path }, [
      renderCodes(o, "loinc", path),
      renderValue(o, path, true),
      renderAggregate(o, path),
      renderWindow(o, path),
      labelled(t("min-results"), numberInput(o.min_results, { min: 1, step: 1, "data-field": "min_results", "data-path": path + ".min_results" }, function (v) { setOrDelete(o, "min_results", v === undefined ? undefined : Math.round(v)); changed(); })),
      renderMissing(o, path)
    ]);
  }

  function renderBmi(b, path) {
    return h("div", { "class": "cb-fields", "data-path": path }, [
      renderValue(b, path, false),
      renderAggregate(b, path),
      renderWindow(b, path),
      renderMissing(b, path)
    ]);
  }

  // ---------- codes: a named set, or entries written in place, with a search combobox ----------
  var SYSTEM_NAMES = { icpc2: "ICPC-2", icd10: "ICD-10", icd10cm: "ICD-10-CM", atc: "ATC", loinc: "LOINC", snomed: "SNOMED CT", rxnorm: "RxNorm", cvx: "CVX" };
  function systemKey(uri) {
    var key = Object.keys(SYSTEMS).filter(function (k) { return SYSTEMS[k] === uri || k === String(uri).toLowerCase().replace("-", ""); })[0];
    return key || uri;
  }
  function systemName(uri) { return SYSTEM_NAMES[systemKey(uri)] || uri; }
  function hierarchical(uri) { var k = systemKey(uri); return k === "icpc2" || k === "icd10" || k === "icd10cm" || k === "atc"; }

  function renderCodes(owner, defaultSystem, path) {
    var wrap = h("fieldset", { "class": "cb-codes", "data-path": path + ".codes" }, [h("legend", { text: t("codes") })]);
    var names = Object.keys(state.code_sets || {});
    var isRef = typeof owner.codes === "string";
    var refOptions = [["", t("codes-inline")]].concat(names.map(function (n) { return [n, n + (state.code_sets[n].name ? " — " + state.code_sets[n].name : "")]; }));
    if (isRef && names.indexOf(owner.codes) < 0) { refOptions.push([owner.codes, owner.codes + " (" + t("codes-undefined") + ")"]); }
    wrap.appendChild(labelled(t("codes-source"), select(refOptions, isRef ? owner.codes : "", { "class": "code-set-ref", "data-field": "codes" }, function (v) {
      owner.codes = v ? v : { include: [] };
      changed();
    })));
    if (isRef) {
      var set = (state.code_sets || {})[owner.codes];
      if (set) {
        wrap.appendChild(h("p", { "class": "cb-hint", text: t("codes-shared") }));
        wrap.appendChild(renderEntries(set, "$.criteria.code_sets." + owner.codes, defaultSystem));
      }
      return wrap;
    }
    if (!owner.codes || typeof owner.codes !== "object") { owner.codes = { include: [] }; }
    wrap.appendChild(renderEntries(owner.codes, path + ".codes", defaultSystem));
    return wrap;
  }

  function renderEntries(set, path, defaultSystem) {
    set.include = set.include || [];
    var box = h("div", { "class": "cb-entries", "data-path": path });
    var list = h("ul", { "class": "code-entries" });
    set.include.forEach(function (e, i) {
      var ePath = path + ".include[" + i + "]";
      var sub = nextId("d");
      var desc = h("input", { type: "checkbox", id: sub, "class": "code-entry-descendants", checked: !!e.descendants });
      desc.addEventListener("change", function () { setOrDelete(e, "descendants", desc.checked); changed(); });
      list.appendChild(h("li", { "class": "code-entry", "data-path": ePath }, [
        h("span", { "class": "code-entry-text" }, [h("code", { text: systemName(e.system) + " " + e.code }), e.display ? " " + e.display : ""]),
        hierarchical(e.system) || e.descendants ? h("span", { "class": "cb-check" }, [desc, h("label", { "for": sub, text: t("sub-codes") })]) : null,
        h("button", { type: "button", "class": "code-remove", "aria-label": t("remove-code") + " " + e.code, text: "×", onclick: function () { set.include.splice(i, 1); changed(); } }),
        h("div", { "class": "cb-errors-slot" })
      ]));
    });
    box.appendChild(list);
    box.appendChild(renderCombobox(set, defaultSystem));
    return box;
  }

  // ARIA 1.2 combobox: input[role=combobox] + ul[role=listbox]; arrows, Enter, Escape.
  function renderCombobox(set, defaultSystem) {
    var listId = nextId("lb");
    var inputId = nextId("q");
    var subId = nextId("s");
    var system = select([["icpc2", "ICPC-2 / CISP-2"], ["icd10", "ICD-10 / CIM-10"], ["icd10cm", "ICD-10-CM"], ["atc", "ATC"], ["loinc", "LOINC"], ["snomed", "SNOMED CT"], ["rxnorm", "RxNorm"], ["cvx", "CVX"]], defaultSystem, { "class": "code-system", "aria-label": t("code-system") }, function () { search(); });
    var input = h("input", { id: inputId, type: "text", "class": "code-search", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, autocomplete: "off", placeholder: t("code-search-placeholder") });
    var listbox = h("ul", { id: listId, role: "listbox", "class": "code-options", hidden: true, "aria-label": t("code-results") });
    var sub = h("input", { type: "checkbox", id: subId, "class": "code-descendants", checked: true });
    var subWrap = h("span", { "class": "cb-check", hidden: defaultSystem === "loinc" }, [sub, h("label", { "for": subId, text: t("sub-codes") })]);
    system.addEventListener("change", function () { subWrap.hidden = system.value === "loinc"; });
    var active = -1;
    var results = [];
    var timer = null;

    function close() { listbox.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function highlight(i) {
      var items = listbox.querySelectorAll("[role=option]");
      if (!items.length) { return; }
      active = (i + items.length) % items.length;
      Array.prototype.forEach.call(items, function (li, j) { li.setAttribute("aria-selected", j === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function choose(i) {
      var r = results[i];
      if (!r) { return; }
      var entry = { system: r.system, code: r.code };
      if (sub.checked && system.value !== "loinc") { entry.descendants = true; }
      var title = lang === "fr" ? r.title_fr : r.title_en;
      if (title) { entry.display = title; }
      set.include.push(entry);
      close();
      changed();
    }
    function search() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      fetch("/api/v1/codes?system=" + encodeURIComponent(system.value) + "&q=" + encodeURIComponent(q) + "&limit=12", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) {
          results = list;
          listbox.textContent = "";
          list.forEach(function (r, i) {
            var title = lang === "fr" ? r.title_fr : r.title_en;
            var note = r.source === "format_checked" ? " — " + t("format-checked") : "";
            var li = h("li", { id: listId + "-" + i, role: "option", "aria-selected": "false", "class": "code-option" }, [h("code", { text: r.code }), " " + (title || "") + note]);
            li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
            listbox.appendChild(li);
          });
          if (!list.length) { listbox.appendChild(h("li", { role: "option", "aria-disabled": "true", "class": "code-none", text: t("no-code-found") })); results = []; }
          listbox.hidden = false;
          input.setAttribute("aria-expanded", "true");
          active = -1;
        })
        .catch(close);
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); if (listbox.hidden) { search(); } else { highlight(active + 1); } }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(active - 1); }
      else if (ev.key === "Enter") { if (!listbox.hidden && active >= 0) { ev.preventDefault(); choose(active); } else if (!listbox.hidden) { ev.preventDefault(); } }
      else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    return h("div", { "class": "cb-combobox" }, [
      system,
      h("label", { "for": inputId, "class": "cb-visually-hidden", text: t("code-search") }),
      input,
      subWrap,
      listbox
    ]);
  }

  // ---------- server problems next to their fields ----------
  var lastErrors = [];
  function showErrors(errors) {
    lastErrors = errors || [];
    Array.prototype.forEach.call(root.querySelectorAll(".field-error"), function (e) { e.remove(); });
    Array.prototype.forEach.call(root.querySelectorAll("[aria-invalid]"), function (e) { e.removeAttribute("aria-invalid"); });
    var rest = document.getElementById("preview-errors");
    if (rest) { rest.textContent = ""; }
    var holders = Array.prototype.slice.call(root.querySelectorAll("[data-path]"));
    lastErrors.forEach(function (err) {
      var best = null;
      holders.forEach(function (el) {
        var p = el.getAttribute("data-path");
        var fits = err.path === p || err.path.indexOf(p + ".") === 0 || err.path.indexOf(p + "[") === 0;
        if (fits && (!best || p.length > best.getAttribute("data-path").length)) { best = el; }
      });
      var msg = h("p", { "class": "field-error", id: nextId("err"), "data-error-path": err.path, "data-code": err.code, text: err.message });
      if (best && best.offsetParent !== null) {
        if (best.tagName === "INPUT" || best.tagName === "SELECT") {
          best.setAttribute("aria-invalid", "true");
          best.setAttribute("aria-describedby", msg.id);
          best.parentNode.appendChild(msg);
        } else {
          var slot = best.querySelector(":scope > .cb-errors-slot") || best;
          slot.appendChild(msg);
        }
      } else if (rest) {
        rest.appendChild(h("li", {}, [h("code", { text: err.path }), " ", err.message]));
      }
    });
  }

  // ---------- preview ----------
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(runPreview, 400);
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); });
  }
  function runPreview() {
    var out = document.getElementById("preview");
    if (!out || !state) { return; }
    out.setAttribute("aria-busy", "true");
    post("/api/v1/criteria/preview", { criteria: state, lang: lang }).then(function (res) {
      out.removeAttribute("aria-busy");
      if (res.status !== 200) { out.textContent = (res.body.error && res.body.error.message) || t("preview-failed"); return; }
      renderLines(out, res.body.lines, function (l) { return l.text; });
      // The live check supersedes the list the server rendered with the last save.
      var stale = document.getElementById("criteria-errors");
      if (stale) { stale.hidden = true; }
      showErrors(res.body.errors);
    }).catch(function () { out.removeAttribute("aria-busy"); out.textContent = t("preview-failed"); });
  }
  // Lines {section, id, depth, text} as nested lists under Inclusion / Exclusion headings.
  function renderLines(out, lines, textOf, classOf) {
    out.textContent = "";
    ["inclusion", "exclusion"].forEach(function (section) {
      var mine = lines.filter(function (l) { return l.section === section; });
      if (!mine.length) { return; }
      out.appendChild(h("h4", { text: t("section-" + section) }));
      var stack = [h("ul", { "class": "cb-lines" })];
      out.appendChild(stack[0]);
      var lastLi = null;
      mine.forEach(function (l) {
        while (stack.length - 1 > l.depth) { stack.pop(); }
        while (stack.length - 1 < l.depth && lastLi) { var ul = h("ul"); lastLi.appendChild(ul); stack.push(ul); }
        lastLi = h("li", { "data-id": l.id, "class": classOf ? classOf(l) : null }, [textOf(l)]);
        stack[stack.length - 1].appendChild(lastLi);
      });
    });
  }

  // ---------- the JSON tab: edits the same textarea, round-trips ----------
  var jsonTimer = null;
  function readTextarea() {
    var status = document.getElementById("criteria-json-status");
    try {
      var parsed = JSON.parse(textarea.value);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) { throw new Error(t("json-not-object")); }
      parsed.inclusion = parsed.inclusion || [];
      state = parsed;
      if (status) { status.textContent = ""; }
      textarea.removeAttribute("aria-invalid");
      return true;
    } catch (e) {
      if (status) { status.textContent = t("json-invalid") + " " + e.message; }
      textarea.setAttribute("aria-invalid", "true");
      return false;
    }
  }
  textarea.addEventListener("input", function () {
    clearTimeout(jsonTimer);
    jsonTimer = setTimeout(function () { if (readTextarea()) { render(); schedulePreview(); } }, 300);
  });

  function selectTab(which) {
    ["builder", "json"].forEach(function (name) {
      var tab = document.getElementById("tab-" + name);
      var panel = document.getElementById("panel-" + name);
      var on = name === which;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      panel.hidden = !on;
    });
    if (which === "builder" && readTextarea()) { render(); }
  }

  // ---------- the test panel ----------
  function setupTestPanel() {
    var panel = document.getElementById("test-panel");
    var pick = document.getElementById("test-patient");
    var record = document.getElementById("test-record");
    var run = document.getElementById("test-run");
    var result = document.getElementById("test-result");
    if (!panel || !pick || !record || !run || !result) { return; }
    panel.hidden = false;
    var examples = [];
    fetch("/api/v1/example-patients", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; }).then(function (list) {
      examples = list;
      list.forEach(function (p) { pick.appendChild(h("option", { value: p.id, text: p.id + " — " + p.label })); });
    });
    pick.addEventListener("change", function () {
      var p = examples.filter(function (x) { return x.id === pick.value; })[0];
      if (p) { record.value = JSON.stringify(p.record, null, 2); }
    });
    run.addEventListener("click", function () {
      var doc;
      try { doc = JSON.parse(record.value); } catch (e) { result.textContent = t("json-invalid") + " " + e.message; return; }
      var body = { criteria: state, lang: lang };
      if (doc && doc.resourceType === "Bundle") { body.fhir = doc; } else { body.patient = doc; }
      var date = document.getElementById("test-date");
      if (date && date.value) { body.date = date.value; }
      result.setAttribute("aria-busy", "true");
      post("/api/v1/criteria/test", body).then(function (res) {
        result.removeAttribute("aria-busy");
        result.textContent = "";
        if (res.status !== 200) {
          var err = res.body.error || {};
          result.appendChild(h("p", { "class": "field-error", text: err.message || t("test-failed") }));
          var ul = h("ul");
          (err.details || []).forEach(function (d) { ul.appendChild(h("li", {}, [h("code", { text: d.path }), " ", d.message])); });
          result.appendChild(ul);
          return;
        }
        var r = res.body;
        result.appendChild(h("p", { "class": "verdict verdict-" + r.verdict, id: "test-verdict", "data-verdict": r.verdict, text: r.verdict_text }));
        var lines = h("div", { "class": "cb-test-lines" });
        renderLines(lines, r.criteria, function (l) { return t("truth-" + l.truth) + " — " + l.text; }, function (l) { return "truth-" + l.truth; });
        result.appendChild(lines);
        if (r.to_confirm.length) {
          result.appendChild(h("h4", { text: t("to-confirm") }));
          result.appendChild(h("ul", { "class": "to-confirm" }, r.to_confirm.map(function (s) { return h("li", { text: s }); })));
        }
        if (r.skipped.length) {
          result.appendChild(h("p", { "class": "cb-hint", text: t("fhir-skipped") + " " + r.skipped.join("; ") }));
        }
      }).catch(function () { result.removeAttribute("aria-busy"); result.textContent = t("test-failed"); });
    });
  }

  // ---------- start ----------
  if (!textarea.value.trim()) { textarea.value = JSON.stringify({ inclusion: [], exclusion: [] }, null, 2); }
  var ok = readTextarea();
  if (!ok) { state = { inclusion: [], exclusion: [] }; }
  state.exclusion = state.exclusion || [];
  document.getElementById("cb-tabs").hidden = false;
  var builderTab = document.getElementById("tab-builder");
  var jsonTab = document.getElementById("tab-json");
  builderTab.addEventListener("click", function () { selectTab("builder"); });
  jsonTab.addEventListener("click", function () { selectTab("json"); });
  [builderTab, jsonTab].forEach(function (tab) {
    tab.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
        var other = tab === builderTab ? jsonTab : builderTab;
        other.focus();
        selectTab(other === builderTab ? "builder" : "json");
      }
    });
  });
  document.getElementById("add-inclusion").addEventListener("click", function () { state.inclusion.push(newCriterion("age")); changed(); });
  document.getElementById("add-exclusion").addEventListener("click", function () { state.exclusion = state.exclusion || []; state.exclusion.push(newCriterion("condition")); changed(); });
  var previewWrap = document.getElementById("preview-section");
  if (previewWrap) { previewWrap.hidden = false; }
  // Server-side errors listed without JS stay until the first preview replaces them.
  var initial = Array.prototype.map.call(root.querySelectorAll("#criteria-errors li[data-path]"), function (li) {
    return { path: li.getAttribute("data-path"), code: "", message: li.getAttribute("data-message") || li.textContent };
  });
  selectTab(ok ? "builder" : "json");
  if (initial.length) { showErrors(initial); }
  setupTestPanel();
  runPreview();
})();

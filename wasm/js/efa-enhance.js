// efa-enhance.js: progressive enhancement of the pages efa-render produces (SPEC section 8).
//
// Loads the efa runtime (WebAssembly, ./efa_forms.js beside this file) and the form's
// artifact (the URL in data-efa-artifact on the <form>), then, without a round trip:
// shows and hides conditional fields, validates a field when it is left and the page
// before it is sent, updates computed values and fees, and keeps a local draft.
//
// Rules (see wasm/README.md):
// - Messages, codes and visibility come from the WASM validator: the server's own code.
//   Errors are shown in the server's markup (error summary, efa-error-message ids,
//   aria-invalid, aria-describedby), placed where the server places them.
// - The page's inputs are read as the server reads a posted page (formdata.rs): German
//   decimal comma, boolean hidden/checkbox pair, multichoice, empty means no value.
// - Only errors on fields of this page block "Weiter", and only errors the runtime can be
//   sure of: everything they depend on is on this page or on a page filled in in this
//   browser (the local draft). The add/remove buttons are never blocked. Whatever the
//   runtime cannot judge is left to the server.
// - The local draft (localStorage, per form id and version) holds the raw inputs of each
//   page; after a reload it is restored only into inputs that are empty, so values the
//   server rendered (its own draft) are never overwritten.
// - If the runtime or the artifact cannot be loaded, the page stays as it is.

const DRAFT_DAYS = 30;

const WORDS = {
  de: {
    error_prefix: "Fehler: ", error_summary_title: "Es gibt ein Problem", error_label: "Fehler:",
    yes: "Ja", no: "Nein", fees_title: "Gebühren", fees_total: "Gesamt",
    fees_none: "Für diesen Antrag fallen keine Gebühren an.", fee_column: "Gebühr", amount_column: "Betrag",
    months: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
  },
  en: {
    error_prefix: "Error: ", error_summary_title: "There is a problem", error_label: "Error:",
    yes: "Yes", no: "No", fees_title: "Fees", fees_total: "Total",
    fees_none: "There is no fee for this application.", fee_column: "Fee", amount_column: "Amount",
    months: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
  },
};

// --- paths ----------------------------------------------------------------------------

const pointer = (tokens) => tokens.map((t) => "/" + String(t).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
const tokensOf = (ptr) => (ptr ? ptr.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~")) : []);
const isIndex = (t) => /^\d+$/.test(t);

/** The element id of a path, as render/src/paths.rs builds it. */
function elementId(tokens) {
  let id = "f";
  for (const t of tokens) {
    id += "-";
    for (const c of String(t)) {
      if (/[A-Za-z0-9_]/.test(c)) id += c;
      else for (const b of new TextEncoder().encode(c)) id += "_x" + b.toString(16).toUpperCase().padStart(2, "0") + "_";
    }
  }
  return id;
}

/** The pointer of a field an expression names (`kinder.name`) seen from `context`. */
function refPointer(dotted, context) {
  const out = [];
  let i = 0;
  let matching = true;
  for (const seg of dotted.split(".")) {
    out.push(seg);
    if (!matching) continue;
    if (i < context.length && context[i] === seg) {
      i++;
      if (i < context.length && isIndex(context[i])) out.push(context[i++]);
    } else matching = false;
  }
  return out;
}

/** Every field path an expression reads (the order of efa-core's for_each_ref). */
function refs(e, out = []) {
  if (!e || typeof e !== "object") return out;
  if (e.field !== undefined) out.push(e.field);
  else if (e.is_set !== undefined) out.push(e.is_set);
  else if (e.unary) refs(e.unary.arg, out);
  else if (e.binary) { refs(e.binary.lhs, out); refs(e.binary.rhs, out); }
  else if (e.in) { refs(e.in.arg, out); refs(e.in.list, out); }
  else if (e.list) e.list.forEach((x) => refs(x, out));
  else if (e.call) e.call.args.forEach((x) => refs(x, out));
  else if (e.aggregate) { out.push(e.aggregate.group); refs(e.aggregate.expr, out); }
  return out;
}

// --- numbers and texts as the server reads and shows them -----------------------------

// Rust's char::is_whitespace (Unicode White_Space).
const WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const trim = (s) => s.replace(new RegExp(`^[${WS}]+|[${WS}]+$`, "g"), "");
const NUMERIC = new Set(["integer", "decimal", "money"]);

/** A number typed by a person, exactly as src/serve/formdata.rs parse_number reads it. */
function parseNumber(text, type) {
  let s = text.replace(new RegExp(`[${WS}']`, "g"), "");
  if (type === "money") {
    for (const suffix of ["€", "EUR", "eur"]) if (s.endsWith(suffix)) { s = s.slice(0, -suffix.length); break; }
  }
  if (s.includes(",")) {
    if (s.split(",").length > 2) return text;
    s = s.replace(/\./g, "").replace(",", ".");
  }
  const unsigned = /^[-+]/.test(s) ? s.slice(1) : s;
  const dot = unsigned.indexOf(".");
  const int = dot < 0 ? unsigned : unsigned.slice(0, dot);
  let frac = dot < 0 ? null : unsigned.slice(dot + 1);
  const digits = (p) => /^[0-9]+$/.test(p);
  if (!digits(int) || (frac !== null && !digits(frac)) || int.length > 15) return text;
  const sign = s.startsWith("-") ? "-" : "";
  frac = frac === null ? null : frac.replace(/0+$/, "") || null;
  if (frac === null) return Number(sign + int) || 0;
  const normal = `${sign}${int}.${frac}`;
  // The exact digits reach serde_json as the server's do (where the browser can say so).
  return typeof JSON.rawJSON === "function" ? JSON.rawJSON(normal) : Number(normal);
}

const typeOf = (field) => (typeof field.type === "string" ? field.type : Object.keys(field.type)[0]);
const textIn = (text, lang, dflt) => (text ? text[lang] ?? text[dflt] ?? Object.values(text)[0] ?? "" : "");

function money(lang, amount) {
  const cents = Math.round(Math.abs(amount) * 100);
  const int = String(Math.floor(cents / 100));
  const frac = String(cents % 100).padStart(2, "0");
  const en = lang === "en";
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, en ? "," : ".");
  const sign = amount < 0 && cents !== 0 ? "-" : "";
  return en ? `${sign}€${grouped}.${frac}` : `${sign}${grouped},${frac} €`;
}

// --- the runtime ----------------------------------------------------------------------

async function start() {
  const formEl = document.querySelector("form[data-efa-form]");
  if (!formEl) return;
  if (!formEl.dataset.efaPage) {
    // The review page: a sent application needs no local draft any more.
    formEl.addEventListener("submit", () => dropDrafts(formEl.dataset.efaForm));
    return;
  }
  const artifactUrl = formEl.dataset.efaArtifact;
  if (!artifactUrl) return;
  const [runtime, artifact] = await Promise.all([
    import(new URL("./efa_forms.js", import.meta.url).href),
    fetch(artifactUrl, { credentials: "same-origin" }).then((r) => (r.ok ? r.text() : Promise.reject(r.status))),
  ]);
  await runtime.default({ module_or_path: new URL("./efa_forms_bg.wasm", import.meta.url) });
  const form = runtime.Form.load(artifact);
  const model = form.model();
  const page = model.pages.find((p) => p.id === formEl.dataset.efaPage);
  if (!page) return;
  new Page(form, model, page, formEl).start();
}

function storage() {
  try { return window.localStorage; } catch { return null; }
}

function dropDrafts(formId) {
  const s = storage();
  if (!s) return;
  try {
    for (let i = s.length - 1; i >= 0; i--) {
      const k = s.key(i);
      if (k && k.startsWith(`efa-draft:${formId}@`)) s.removeItem(k);
    }
  } catch { /* storage unavailable: nothing to drop */ }
}

class Page {
  constructor(form, model, page, formEl) {
    this.form = form;
    this.model = model;
    this.page = page;
    this.el = formEl;
    this.dflt = model.languages[0];
    const l = document.documentElement.lang;
    this.lang = model.languages.includes(l) ? l : this.dflt;
    this.w = WORDS[this.lang === "en" ? "en" : "de"];
    // The server's day (`data-efa-today`), so that limits such as `min today()` agree
    // with the server's even when the browser's clock or time zone differs.
    const today = formEl.dataset.efaToday;
    this.opts = /^\d{4}-\d{2}-\d{2}$/.test(today ?? "") ? { lang: this.lang, today } : { lang: this.lang };
    this.draftKey = `efa-draft:${form.id}@${form.version}`;
    this.defs = new Map(); // dotted path -> { kind, def, parents: [defs], page }
    this.pageOfKey = new Map();
    for (const p of model.pages) this.index(p.items, "", [], p);
    this.shown = new Set(); // pointers whose errors are on display
    // Errors the server rendered stay on display until their field is right.
    for (const m of document.querySelectorAll(".efa-error-message[id$='-error']")) {
      const ptr = this.pointerOfId(m.id.slice(0, -6));
      if (ptr !== null) this.shown.add(ptr);
    }
    this.depsMemo = new Map();
  }

  index(items, prefix, parents, page) {
    for (const it of items) {
      if (it.kind !== "field" && it.kind !== "group") continue;
      const path = prefix ? `${prefix}.${it.id}` : it.id;
      if (!prefix) this.pageOfKey.set(it.id, page);
      this.defs.set(path, { kind: it.kind, def: it, parents, page });
      if (it.kind === "group") this.index(it.items, path, [...parents, it], page);
    }
  }

  /** The pointer of a rendered element id (`f-kinder-0-name`), or null. */
  pointerOfId(id) {
    const map = new Map();
    const add = (tokens) => { for (let n = 1; n <= tokens.length; n++) map.set(elementId(tokens.slice(0, n)), pointer(tokens.slice(0, n))); };
    for (const c of this.el.elements) if (c.name && c.name !== "_action") add(c.name.split("."));
    for (const [path, d] of this.defs) if (d.page === this.page && !d.parents.some((g) => g.repeat)) add(path.split("."));
    return map.get(id) ?? null;
  }

  start() {
    this.restoreDraft();
    this.update();
    document.documentElement.classList.remove("efa-no-js");
    document.documentElement.classList.add("efa-js");
    // Whatever goes wrong in here, the page stays usable and the server has the last word.
    const safe = (f) => (...args) => { try { f(...args); } catch { /* left to the server */ } };
    let queued = false;
    const later = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(safe(() => { queued = false; this.update(); this.saveDraft(); }));
    };
    this.el.addEventListener("input", later);
    this.el.addEventListener("change", safe((e) => {
      later();
      if (e.target.matches?.("select, input[type=radio], input[type=checkbox], input[type=file]")) this.left(e.target);
    }));
    this.el.addEventListener("focusout", safe((e) => {
      if (e.target.name && e.target.name !== "_action") this.left(e.target);
    }));
    this.el.addEventListener("submit", safe((e) => this.submit(e)));
    document.addEventListener("pointerdown", () => { this.pressed = true; }, true);
    const released = () => {
      this.pressed = false;
      if (!this.pending) return;
      this.pending = false;
      setTimeout(safe(() => this.showErrors(this.pageErrors(), false)));
    };
    document.addEventListener("pointerup", released, true);
    document.addEventListener("pointercancel", released, true);
    window.addEventListener("pagehide", safe(() => this.saveDraft()));
  }

  /** The note "only fill this in if it applies to you" is for pages without the runtime:
   *  an element the runtime shows loses it, as the server renders a visible element (and
   *  screen readers would read it: they read hidden descriptions too). */
  dropNote(owner) {
    for (const note of owner.querySelectorAll(".efa-hint__note.efa-no-js-only")) {
      if (note.closest("[data-efa-conditional]") !== owner) continue;
      const hint = note.parentElement;
      note.remove();
      if (hint.children.length || hint.textContent.trim()) continue;
      for (const el of owner.querySelectorAll(`[aria-describedby~="${hint.id}"]`)) {
        const ids = el.getAttribute("aria-describedby").split(/\s+/).filter((x) => x && x !== hint.id);
        if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
        else el.removeAttribute("aria-describedby");
      }
      hint.remove();
    }
  }

  // --- reading the page as the server reads a post ------------------------------------

  /** name -> [values] of this page's controls, as they would be posted. */
  entries() {
    const values = new Map();
    for (const [k, v] of new FormData(this.el)) {
      if (k === "_action") continue;
      if (!values.has(k)) values.set(k, []);
      values.get(k).push(v);
    }
    return values;
  }

  /** The data of a page's items from posted values (src/serve/formdata.rs, apply_page). */
  build(items, tokens, values, out, dom) {
    for (const it of items) {
      const t = [...tokens, it.id];
      if (it.kind === "field" && !it.value) {
        const v = this.input(it, t.join("."), values);
        if (v !== undefined) out[it.id] = v;
      } else if (it.kind === "group" && !it.repeat) {
        const sub = {};
        this.build(it.items, t, values, sub, dom);
        if (Object.keys(sub).length) out[it.id] = sub;
      } else if (it.kind === "group") {
        const name = t.join(".") + ".";
        let n = 0;
        for (const k of values.keys()) {
          if (!k.startsWith(name)) continue;
          const i = k.slice(name.length).split(".")[0];
          if (isIndex(i)) n = Math.max(n, Number(i) + 1);
        }
        if (dom) while (document.getElementById(elementId([...t, n]))) n++;
        if (n === 0) continue;
        out[it.id] = Array.from({ length: n }, (_, i) => {
          const entry = {};
          this.build(it.items, [...t, String(i)], values, entry, dom);
          return entry;
        });
      }
    }
    return out;
  }

  /** One field's value from its posted values; undefined for none. */
  input(field, name, values) {
    const type = typeOf(field);
    const vals = values.get(name);
    if (type === "file") {
      // A new file is checked for its size (the server sniffs the media type from the
      // content); one uploaded before stays on the server, so it counts as there.
      const f = vals?.find((v) => typeof v === "object" && v.name);
      const before = document.getElementById(elementId(name.split(".")))?.closest(".efa-field")?.querySelector(".efa-file-current");
      if (!f && !before) return undefined;
      return { name: f?.name ?? "upload", media_type: f?.type || "application/octet-stream", size: f?.size ?? 0, sha256: "0".repeat(64) };
    }
    if (!vals) return undefined;
    const strs = vals.filter((v) => typeof v === "string");
    if (type === "multichoice") {
      const list = this.model.lists?.find((l) => l.id === field.type.multichoice.list);
      const typed = !list || list.options.length === 0;
      const keys = [];
      for (const v of strs) for (const p of typed ? v.split(",") : [v]) {
        const k = trim(p);
        if (k && !keys.includes(k)) keys.push(k);
      }
      return keys.length ? keys : undefined;
    }
    if (type === "boolean") {
      const has = (words) => strs.some((v) => words.includes(trim(v).replace(/[A-Z]/g, (c) => c.toLowerCase())));
      if (has(["true", "on", "1", "yes", "ja"])) return true;
      if (has(["false", "off", "0", "no", "nein"])) return false;
      const first = strs.map(trim).find((v) => v);
      return first || undefined;
    }
    const raw = strs.length ? strs[strs.length - 1] : "";
    const text = type === "textarea" ? raw.replace(/\r\n/g, "\n") : trim(raw);
    if (!trim(text)) return undefined;
    return NUMERIC.has(type) ? parseNumber(text, type) : text;
  }

  /** The whole submission as far as this browser knows it: other pages from the draft. */
  data() {
    const draft = this.loadDraft();
    const data = {};
    for (const p of this.model.pages) {
      if (p.id === this.page.id || !draft.pages[p.id]) continue;
      this.build(p.items, [], new Map(Object.entries(draft.pages[p.id])), data, false);
    }
    return this.build(this.page.items, [], this.entries(), data, true);
  }

  // --- what the runtime can be sure of -------------------------------------------------

  /** Top-level keys whose values this browser knows: this page and pages in the draft. */
  knownKeys() {
    const draft = this.loadDraft();
    const known = new Set();
    for (const [key, p] of this.pageOfKey) {
      // Files are not kept in the draft: whether another page has one is not known here.
      const hasFile = [...this.defs].some(([path, d]) => path.split(".")[0] === key && d.kind === "field" && typeOf(d.def) === "file");
      if (p === this.page || (draft.pages[p.id] && !hasFile)) known.add(key);
    }
    return known;
  }

  /** Top-level keys the value or visibility of the node at `path` depends on. */
  deps(path) {
    if (this.depsMemo.has(path)) return this.depsMemo.get(path);
    const out = new Set([path.split(".")[0]]);
    this.depsMemo.set(path, out);
    const d = this.defs.get(path);
    if (d) {
      const f = d.def;
      const exprs = [f.visible, d.page.visible, f.value, f.default, f.min, f.max, f.required?.when];
      for (const g of d.parents) exprs.push(g.visible);
      for (const e of exprs) this.exprDeps(e, out);
    }
    return out;
  }

  exprDeps(e, out) {
    for (const r of refs(e)) for (const k of this.deps(r)) out.add(k);
    return out;
  }

  isSure(set, known) {
    for (const k of set) if (!known.has(k)) return false;
    return true;
  }

  // --- updating the page ---------------------------------------------------------------

  update() {
    const data = this.data();
    const ev = this.form.evaluate(data, this.opts);
    const known = this.knownKeys();
    this.ev = ev;
    for (const el of this.el.querySelectorAll("[data-efa-conditional]")) {
      const ptr = el.dataset.efaConditional;
      if (!this.isSure(this.deps(this.dotted(ptr)), known)) continue;
      const vis = ev.visible[ptr] === true;
      el.dataset.efaVisible = String(vis);
      if (vis) this.dropNote(el);
      if (!vis) for (const m of el.querySelectorAll(".efa-error-message")) this.clearAt(m.id.slice(0, -6));
    }
    for (const out of this.el.querySelectorAll("output[name]")) {
      const path = out.name.split(".");
      const dotted = path.filter((t) => !isIndex(t)).join(".");
      const d = this.defs.get(dotted);
      if (!d || !this.isSure(this.deps(dotted), known)) continue;
      const v = ev.computed[pointer(path)];
      out.textContent = v === undefined || v === null || v === "" ? "–" : this.show(d.def, v);
    }
    this.fees(ev, known);
  }

  dotted(ptr) {
    return tokensOf(ptr).filter((t) => !isIndex(t)).join(".");
  }

  /** A value as the citizen reads it (render's show_value). */
  show(field, v) {
    const type = typeOf(field);
    const w = this.w;
    switch (type) {
      case "boolean": return v === true ? w.yes : v === false ? w.no : String(v);
      case "money": return typeof v === "number" ? money(this.lang, v) : String(v);
      case "integer": case "decimal": return typeof v === "number" ? (this.lang === "en" ? String(v) : String(v).replace(".", ",")) : String(v);
      case "date": {
        const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
        if (!m) return String(v);
        const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
        return this.lang === "en" ? `${d} ${w.months[mo - 1]} ${y}` : `${d}. ${w.months[mo - 1]} ${y}`;
      }
      case "choice": case "multichoice": {
        const list = this.model.lists?.find((l) => l.id === field.type[type].list);
        const text = (k) => textIn(list?.options.find((o) => o.key === k)?.text, this.lang, this.dflt) || k;
        return Array.isArray(v) ? v.map(text).join(", ") : text(v);
      }
      default: return typeof v === "object" ? v.name ?? "" : String(v);
    }
  }

  /** The fees so far, in the review page's markup, before the page's buttons. Only fees
   *  whose inputs are all known are shown, and the total only when every fee is. */
  fees(ev, known) {
    if (!this.model.fees?.length) return;
    const sure = new Set(this.model.fees.filter((f) => this.isSure(this.exprDeps(f.amount, new Set()), known)).map((f) => f.id));
    let box = this.el.querySelector("[data-efa-fees]");
    if (!sure.size) { box?.remove(); this.feesHtml = null; return; }
    const w = this.w;
    const fees = ev.fees.filter((f) => sure.has(f.id));
    const rows = fees.filter((f) => f.amount !== 0);
    const all = sure.size === this.model.fees.length;
    const total = fees.reduce((s, f) => s + Math.round(f.amount * 100), 0) / 100;
    const foot = all ? `<tfoot><tr><th scope="row">${esc(w.fees_total)}</th><td class="efa-table__num"><strong>${esc(money(this.lang, total))}</strong></td></tr></tfoot>` : "";
    const html = rows.length
      ? `<table class="efa-table"><thead><tr><th scope="col">${esc(w.fee_column)}</th><th scope="col" class="efa-table__num">${esc(w.amount_column)}</th></tr></thead><tbody>${rows
          .map((f) => `<tr><td>${esc(f.label)}</td><td class="efa-table__num">${esc(money(this.lang, f.amount))}</td></tr>`)
          .join("")}</tbody>${foot}</table>`
      : all && fees.length ? `<p class="efa-info">${esc(w.fees_none)}</p>` : ""; // nothing worked out yet: no box
    if (!html) { box?.remove(); this.feesHtml = null; return; }
    if (!box) {
      box = document.createElement("section");
      box.className = "efa-review";
      box.dataset.efaFees = "";
      box.setAttribute("aria-labelledby", "efa-fees-title");
      box.setAttribute("aria-live", "polite");
      this.el.insertBefore(box, this.el.querySelector(".efa-actions"));
    }
    const full = `<h2 class="efa-heading-m" id="efa-fees-title">${esc(w.fees_title)}</h2>${html}`;
    if (this.feesHtml !== full || !box.isConnected) box.innerHTML = this.feesHtml = full;
  }

  // --- errors --------------------------------------------------------------------------

  /** This page's errors the runtime is sure of, each with the pointer it is shown at. */
  pageErrors() {
    const data = this.data();
    const errors = this.form.errors(data, this.opts);
    const ev = this.form.evaluate(data, this.opts);
    const known = this.knownKeys();
    const out = [];
    for (const e of errors) {
      if (e.code === "unknown" || e.code === "file_type") continue;
      const tokens = tokensOf(e.path);
      let check = null;
      if (e.code === "check") {
        const checks = (items) => items.filter((i) => i.kind === "check" && Object.values(i.message).includes(e.message));
        if (e.path === "") {
          const p = checks(this.page.items).length ? this.page : this.model.pages.find((p) => checks(p.items).length);
          if (p !== this.page) continue;
          check = checks(p.items)[0];
        } else {
          const g = this.defs.get(tokens.filter((t) => !isIndex(t)).join("."));
          check = g ? checks(g.def.items ?? [])[0] : null;
        }
      }
      if (e.path !== "" && this.pageOfKey.get(tokens[0]) !== this.page) continue;
      // Sure only if everything it depends on is known.
      const deps = new Set(e.path === "" ? [] : this.deps(tokens.filter((t) => !isIndex(t)).join(".")));
      this.exprDeps(this.page.visible, deps);
      if (check) this.exprDeps(check.condition, deps);
      if (!this.isSure(deps, known)) continue;
      out.push({ ...e, target: this.target(e, check, tokens, ev) });
    }
    return out;
  }

  /** Where the server shows an error (render/src/view.rs error_targets). */
  target(e, check, context, ev) {
    if (e.code !== "check") return e.path === "" ? null : e.path;
    let field = null;
    let group = null;
    for (const r of check ? refs(check.condition) : []) {
      const t = refPointer(r, context);
      const p = pointer(t);
      if (ev.visible[p] !== true || this.pageOfKey.get(t[0]) !== this.page) continue;
      const d = this.defs.get(t.filter((x) => !isIndex(x)).join("."));
      if (d?.kind === "group") group ??= p;
      else field ??= p;
    }
    return field ?? group ?? (e.path === "" ? null : e.path);
  }

  /** A field was left: show its errors, and refresh those already on display. While a
   *  button is pressed (the field was left by a click) this waits until the click is
   *  done: a message appearing above the pointer would move the target away under it. */
  left(control) {
    if (!this.ev) return;
    this.shown.add(pointer(control.name.split(".")));
    if (this.pressed) this.pending = true;
    else this.showErrors(this.pageErrors(), false);
  }

  submit(e) {
    const action = e.submitter?.name === "_action" ? e.submitter.value : "next";
    this.saveDraft();
    if (action !== "next") return;
    let errors;
    try { errors = this.pageErrors(); } catch { return; }
    if (!errors.length) return;
    e.preventDefault();
    for (const x of errors) if (x.target) this.shown.add(x.target);
    this.showErrors(errors, true);
  }

  showErrors(errors, summary) {
    const byTarget = new Map();
    for (const x of errors) if (x.target) byTarget.set(x.target, [...(byTarget.get(x.target) ?? []), x.message]);
    for (const ptr of this.shown) this.place(ptr, byTarget.get(ptr) ?? []);
    const listed = errors.filter((x) => x.target === null || this.shown.has(x.target));
    const existing = document.querySelector(".efa-error-summary");
    if (summary || existing) this.summary(summary ? errors : listed, summary);
  }

  /** Puts the messages at the element of `ptr` in the server's markup (or clears them). */
  place(ptr, messages) {
    const id = elementId(tokensOf(ptr));
    const el = document.getElementById(id);
    if (!el) return;
    const w = this.w;
    const errId = `${id}-error`;
    document.getElementById(errId)?.remove();
    const p = messages.length ? document.createElement("p") : null;
    if (p) {
      p.className = "efa-error-message";
      p.id = errId;
      for (const m of messages) {
        const line = document.createElement("span");
        line.className = "efa-error-message__line";
        const label = document.createElement("span");
        label.className = "efa-visually-hidden";
        label.textContent = w.error_label + " ";
        line.append(label, m);
        p.append(line);
      }
    }
    const hint = document.getElementById(`${id}-hint`);
    const describe = (target) => {
      const ids = [hint ? hint.id : null, p ? errId : null].filter(Boolean).join(" ");
      if (ids) target.setAttribute("aria-describedby", ids);
      else target.removeAttribute("aria-describedby");
    };
    if (el.tagName === "FIELDSET") {
      // A group, repeated group or entry.
      const entry = el.classList.contains("efa-repeat__entry");
      el.classList.toggle("efa-fieldset--error", !!p);
      if (p) el.setAttribute("tabindex", "-1");
      else el.removeAttribute("tabindex");
      if (p) (hint ?? el.querySelector(":scope > legend")).after(p);
      if (entry) {
        if (p) el.setAttribute("aria-describedby", errId);
        else el.removeAttribute("aria-describedby");
      } else describe(el);
      return;
    }
    const wrap = el.closest(".efa-field");
    if (!wrap) return;
    // The class order of render's macros.html: efa-field, efa-field--error, efa-conditional.
    const rest = [...wrap.classList].filter((c) => c !== "efa-field" && c !== "efa-field--error");
    wrap.className = ["efa-field", ...(p ? ["efa-field--error"] : []), ...rest].join(" ");
    const fieldset = wrap.querySelector(":scope > fieldset");
    if (p) {
      const legend = fieldset?.querySelector(":scope > legend");
      const label = wrap.querySelector(":scope > label.efa-label");
      if (hint) hint.after(p);
      else if (legend) legend.after(p);
      else if (label) label.after(p);
      else wrap.prepend(p);
    }
    const controls = fieldset ? fieldset.querySelectorAll(".efa-choices__input") : [el];
    for (const c of controls) {
      if (p) c.setAttribute("aria-invalid", "true");
      else c.removeAttribute("aria-invalid");
    }
    describe(fieldset ?? el);
  }

  clearAt(id) {
    const ptr = this.pointerOfId(id);
    if (ptr !== null) { this.place(ptr, []); this.shown.delete(ptr); }
  }

  /** The error summary at the top of the page, as the server renders it. */
  summary(errors, focus) {
    const w = this.w;
    let box = document.querySelector(".efa-error-summary");
    const title = document.title.startsWith(w.error_prefix) ? document.title.slice(w.error_prefix.length) : document.title;
    if (!errors.length) {
      box?.remove();
      document.title = title;
      return;
    }
    document.title = w.error_prefix + title;
    if (!box) {
      box = document.createElement("div");
      box.className = "efa-error-summary";
      box.setAttribute("role", "alert");
      box.setAttribute("aria-labelledby", "efa-error-summary-title");
      box.setAttribute("tabindex", "-1");
      const main = this.el.closest("main") ?? document.body;
      const back = main.querySelector(":scope > .efa-back-link");
      if (back) back.after(box);
      else main.prepend(box);
    }
    const h = document.createElement("h2");
    h.className = "efa-error-summary__title";
    h.id = "efa-error-summary-title";
    h.textContent = w.error_summary_title;
    const ul = document.createElement("ul");
    ul.className = "efa-error-summary__list";
    for (const x of errors) {
      const li = document.createElement("li");
      const id = x.target ? elementId(tokensOf(x.target)) : null;
      if (id && document.getElementById(id)) {
        const a = document.createElement("a");
        a.className = "efa-error-summary__link";
        a.href = `#${id}`;
        a.textContent = x.message;
        li.append(a);
      } else li.textContent = x.message;
      ul.append(li);
    }
    box.replaceChildren(h, ul);
    if (focus) box.focus();
  }

  // --- the local draft -----------------------------------------------------------------

  loadDraft() {
    const empty = { v: 1, saved: 0, pages: {} };
    try {
      const d = JSON.parse(storage()?.getItem(this.draftKey) ?? "null");
      if (!d || d.v !== 1 || typeof d.pages !== "object" || Date.now() - d.saved > DRAFT_DAYS * 864e5) return empty;
      return d;
    } catch {
      return empty;
    }
  }

  /** Keeps this page's raw inputs (files excepted) in the draft. */
  saveDraft() {
    const s = storage();
    if (!s) return;
    const d = this.loadDraft();
    const mine = {};
    for (const [k, vals] of this.entries()) {
      const strs = vals.filter((v) => typeof v === "string");
      if (strs.length && this.defs.has(k.split(".").filter((t) => !isIndex(t)).join("."))) mine[k] = strs;
    }
    d.pages[this.page.id] = mine;
    d.saved = Date.now();
    try { s.setItem(this.draftKey, JSON.stringify(d)); } catch { /* full or forbidden: no draft */ }
  }

  /** Puts draft values into the inputs of this page that are empty. */
  restoreDraft() {
    const saved = this.loadDraft().pages[this.page.id];
    if (!saved) return;
    for (const [name, vals] of Object.entries(saved)) {
      const controls = [...this.el.elements].filter((c) => c.name === name);
      if (!controls.length || !Array.isArray(vals)) continue;
      const boxes = controls.filter((c) => c.type === "radio" || c.type === "checkbox");
      if (boxes.length) {
        if (boxes.some((c) => c.checked)) continue;
        for (const c of boxes) c.checked = vals.includes(c.value);
        continue;
      }
      const c = controls.find((x) => x.type !== "hidden" && x.type !== "file");
      if (c && c.value === "" && typeof vals[vals.length - 1] === "string") c.value = vals[vals.length - 1];
    }
  }
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

start().catch(() => {
  // No runtime, no artifact, or a model this runtime cannot load: the page works as it is.
});

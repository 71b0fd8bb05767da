// Parity of the browser runtime with the command line (SPEC section 8): for every form and
// adaptation in forms/ (and wasm/tests/forms/, core/src/validate/testdata/), every validation case in tests/cases/validate/, every sample
// submission and generated ones (deterministic mutations of the samples), the JSON text of
// `efa validate ART DATA --today D --lang L` must be byte for byte what the WASM module
// gives under Node.
//
// Each case is compared twice, on real bytes:
//   text path:  form.validateJson(TEXT, opts, true)                      vs. the CLI's stdout
//   value path: form.validateJson(JSON.stringify(JSON.parse(TEXT)), ...)  vs. the CLI's stdout
// and `form.validate(JSON.parse(TEXT), opts)` must be the parse of the value path's text
// (validate is validateJson's text through JSON.parse: that is how the crate is built, and
// this checks it). The CLI pretty-prints with serde_json and adds a newline; validateJson
// with `pretty` is serde_json's pretty text, so only that newline is normalised.
//
// Run with `node --test wasm/tests/parity.mjs` after wasm/build.sh (wasm/tests/run.sh does
// both). EFA names the efa binary (default target/debug/efa); PARITY_CASES the number of
// generated submissions per form (default 200).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir, availableParallelism } from "node:os";
import { join, dirname, basename, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const efa = process.env.EFA ?? join(root, "target", "debug", "efa");
const perForm = Number(process.env.PARITY_CASES ?? 200);
const perCase = 20;
const TODAY = "2026-11-25";

// The package as a site uses it: `import init, { Form } from "efa-forms"; await init();`
const { default: init, Form } = await import(join(root, "wasm", "pkg", "index.js"));
await init();

const work = mkdtempSync(join(tmpdir(), "efa-parity-"));
const failDir = join(work, "mismatches");
mkdirSync(failDir);

// --- running the CLI, many at a time ---------------------------------------------------

const limit = Math.max(2, availableParallelism());
let running = 0;
const queue = [];
function run(args) {
  return new Promise((resolve, reject) => {
    const go = () => {
      running++;
      execFile(efa, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        running--;
        if (queue.length) queue.shift()();
        const code = err ? err.code : 0;
        if (typeof code !== "number") reject(err);
        else resolve({ code, stdout, stderr });
      });
    };
    if (running < limit) go();
    else queue.push(go);
  });
}

// --- the inputs ------------------------------------------------------------------------

function walk(dir, out = []) {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** The sections of a tests/cases/validate/*.case file. */
function sections(text) {
  const out = {};
  let cur = null;
  for (const line of text.split("\n")) {
    const m = /^--- (\S+)/.exec(line);
    if (m) out[(cur = m[1])] = "";
    else if (cur) out[cur] += line + "\n";
  }
  return out;
}

// --- generated submissions -------------------------------------------------------------

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const hash = (s) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

const STRINGS = ["", " ", "a", "Müller-Lüdenscheidt", "漢字😀", "x".repeat(600), "  padded  ", "line\nbreak", "\u0000ctl", "\"quoted\"", "<b>tag</b>", "12", "12,50", "ehe", "geburt", "true"];
const NUMBERS = [0, 1, -1, 3, 4, 10, 11, 100, 999999, 2 ** 53 + 2, 1e21, 1.5, 12.345, 0.1 + 0.2, -5.55, 1e-7, 123456789.12, 12.5, 24, -0];
const DATES = ["2026-11-25", "2026-11-26", "2026-02-29", "2024-02-29", "1990-04-12", "2008-11-25", "2010-01-01", "2026-13-01", "25.11.2026", "2100-01-01", "0001-01-01", "2026-1-5"];
const EMAILS = ["a@b.de", "max.mustermann@example.org", "not an email", "x@y", "ä@ü.de"];
const PHONES = ["+49 30 1234567", "0361 / 12 34-5", "abc", "12", "+49 (0)30/123-45", "1".repeat(25)];
const IBANS = ["DE89 3704 0044 0532 0130 00", "DE89370400440532013001", "GB82WEST12345698765432", "XX", "DE00 0000"];
const POSTCODES = ["99084", "65183", "1234", "ABCDE", "012345", " 99084"];
const SHA = "ab".repeat(32);
const MEDIA = ["application/pdf", "image/png", "image/jpeg", "text/plain", "application/x-msdownload"];

function fieldsOf(items, prefix, out) {
  for (const it of items) {
    if (it.kind === "field") out.push({ tokens: [...prefix, it.id], field: it });
    else if (it.kind === "group") {
      if (it.repeat) out.push({ tokens: [...prefix, it.id], group: it });
      fieldsOf(it.items, it.repeat ? [...prefix, it.id, "#"] : [...prefix, it.id], out);
    }
  }
  return out;
}

function generator(model, seed) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const lists = new Map((model.lists ?? []).map((l) => [l.id, l.options.map((o) => o.key)]));
  const slots = fieldsOf(model.pages.flatMap((p) => p.items), [], []);
  const any = (depth = 0) => {
    const k = r();
    if (k < 0.25) return pick(STRINGS);
    if (k < 0.5) return pick(NUMBERS);
    if (k < 0.6) return r() < 0.5;
    if (k < 0.7) return null;
    if (k < 0.8 || depth > 1) return pick(DATES);
    if (k < 0.9) return Array.from({ length: Math.floor(r() * 3) }, () => any(depth + 1));
    return { x: any(depth + 1) };
  };
  const typed = (field) => {
    if (r() < 0.2) return any();
    const t = typeof field.type === "string" ? field.type : Object.keys(field.type)[0];
    switch (t) {
      case "integer": return pick([...NUMBERS, 1, 2, 5]);
      case "decimal": case "money": return pick(NUMBERS);
      case "date": return pick(DATES);
      case "boolean": return pick([true, false, true, "true", 1]);
      case "email": return pick(EMAILS);
      case "phone": return pick(PHONES);
      case "iban": return pick(IBANS);
      case "postcode": return pick(POSTCODES);
      case "choice": return r() < 0.85 ? pick(lists.get(field.type.choice.list)?.length ? lists.get(field.type.choice.list) : ["X1"]) : "unbekannt";
      case "multichoice": {
        const keys = lists.get(field.type.multichoice.list) ?? [];
        const n = Math.floor(r() * 4);
        const v = Array.from({ length: n }, () => (keys.length && r() < 0.9 ? pick(keys) : "unbekannt"));
        return v;
      }
      case "file": return pick([
        { name: "nachweis.pdf", media_type: pick(MEDIA), size: pick([1, 1024, 5 << 20, 50 << 20]), sha256: SHA },
        { name: "a.pdf", media_type: "application/pdf", size: 10 },
        { name: "", media_type: "application/pdf", size: 10, sha256: SHA },
        { name: "a.pdf", media_type: "application/pdf", size: -1, sha256: "xyz" },
      ]);
      default: return pick(STRINGS);
    }
  };
  const container = (data, tokens, create) => {
    let cur = data;
    for (const t of tokens) {
      if (cur === null || typeof cur !== "object") return null;
      if (!(t in cur)) {
        if (!create) return null;
        cur[t] = {};
      }
      cur = cur[t];
    }
    return cur && typeof cur === "object" ? cur : null;
  };
  const concrete = (tokens) => tokens.map((t) => (t === "#" ? String(Math.floor(r() * 3)) : t));
  const existing = (v, path = [], out = []) => {
    if (v && typeof v === "object") for (const k of Object.keys(v)) { out.push([...path, k]); existing(v[k], [...path, k], out); }
    return out;
  };
  const mutate = (data) => {
    const k = r();
    if (k < 0.45 && slots.length) {
      const s = pick(slots);
      const tokens = concrete(s.tokens);
      // Repeated groups on the way become arrays of objects.
      let cur = data;
      for (let i = 0; i < tokens.length - 1; i++) {
        const t = tokens[i];
        const nextIsIndex = /^\d+$/.test(tokens[i + 1]);
        if (cur === null || typeof cur !== "object") return;
        if (!(t in cur) || typeof cur[t] !== "object" || cur[t] === null) cur[t] = nextIsIndex ? [] : {};
        if (nextIsIndex && Array.isArray(cur[t])) while (cur[t].length <= Number(tokens[i + 1])) cur[t].push({});
        cur = cur[t];
      }
      if (cur === null || typeof cur !== "object") return;
      const last = tokens[tokens.length - 1];
      if (s.group) cur[last] = r() < 0.7 ? Array.from({ length: Math.floor(r() * 8) }, () => ({})) : any();
      else cur[last] = typed(s.field);
    } else if (k < 0.65) {
      const paths = existing(data);
      if (!paths.length) return;
      const p = pick(paths);
      const parent = container(data, p.slice(0, -1), false);
      if (!parent) return;
      if (Array.isArray(parent)) parent.splice(Number(p[p.length - 1]), 1);
      else delete parent[p[p.length - 1]];
    } else if (k < 0.85) {
      const paths = existing(data);
      if (!paths.length) return;
      const p = pick(paths);
      const parent = container(data, p.slice(0, -1), false);
      if (parent) parent[p[p.length - 1]] = any();
    } else {
      const paths = [[], ...existing(data).filter((p) => container(data, p, false) && !Array.isArray(container(data, p, false)))];
      const target = container(data, pick(paths), false);
      if (target && !Array.isArray(target)) target[pick(["unbekannt", "x", "0", "12", "a/b", "ti~lde", ""])] = any();
    }
  };
  return (bases) => {
    if (r() < 0.02) return pick([[], "text", 1, null, true]);
    const data = bases.length && r() < 0.85 ? structuredClone(pick(bases)) : {};
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) mutate(data);
    return data;
  };
}

// --- comparing -------------------------------------------------------------------------

const stats = { skipped: [], cases: 0, comparisons: 0, textMismatch: 0, valueMismatch: 0, objectMismatch: 0, exitMismatch: 0 };
const firstFailures = [];

async function compare(name, artifactPath, form, text, langs, today) {
  stats.cases++;
  const file = join(work, `d${stats.cases}.json`);
  writeFileSync(file, text);
  for (const lang of langs) {
    const args = ["validate", artifactPath, file, "--today", today];
    const opts = { today };
    if (lang) {
      args.push("--lang", lang);
      opts.lang = lang;
    }
    const native = await run(args);
    stats.comparisons++;
    const want = native.stdout.replace(/\n$/, "");
    const viaText = form.validateJson(text, opts, true);
    let viaValue;
    let object;
    try {
      const value = JSON.parse(text);
      viaValue = form.validateJson(JSON.stringify(value) ?? "null", opts, true);
      object = form.validate(value, opts);
    } catch (e) {
      viaValue = `error: ${e.message}`;
    }
    const problems = [];
    if (native.code !== 0 && native.code !== 1) problems.push(`efa exited ${native.code}: ${native.stderr.trim()}`);
    if (viaText !== want) { stats.textMismatch++; problems.push("text path differs"); }
    if (viaValue !== want) { stats.valueMismatch++; problems.push("value path differs"); }
    if (object !== undefined && JSON.stringify(object) !== JSON.stringify(JSON.parse(viaValue))) {
      stats.objectMismatch++;
      problems.push("validate() is not the parse of validateJson()");
    }
    if ((native.code === 0) !== JSON.parse(viaText).valid) { stats.exitMismatch++; problems.push("exit code disagrees with valid"); }
    if (problems.length) {
      const base = join(failDir, `${stats.cases}-${lang ?? "default"}`);
      writeFileSync(`${base}.data.json`, text);
      writeFileSync(`${base}.native.json`, native.stdout);
      writeFileSync(`${base}.wasm-text.json`, viaText + "\n");
      writeFileSync(`${base}.wasm-value.json`, viaValue + "\n");
      if (firstFailures.length < 10) firstFailures.push(`${name} [${lang ?? "default"}]: ${problems.join("; ")} (see ${base}.*)`);
    }
  }
}

async function build(source, mayFail = false) {
  const out = join(work, `${relative(root, source).replace(/[/.]/g, "_")}.form.json`);
  const r = await run(["build", source, "-o", out]);
  if (mayFail && r.code !== 0) return null;
  assert.equal(r.code, 0, `efa build ${source}: ${r.stderr}`);
  return out;
}

// --- the tests -------------------------------------------------------------------------

// The forms of the repository, and the test form of the page script (repeated groups,
// computed values).
const forms = [
  ...walk(join(root, "forms")),
  ...walk(join(root, "wasm", "tests", "forms")),
  ...walk(join(root, "core", "src", "validate", "testdata")),
].filter((p) => p.endsWith(".form"));
assert.ok(forms.length >= 3, "the forms in forms/");

for (const source of forms) {
  test(`parity: ${relative(root, source)}`, async () => {
    const art = await build(source);
    const form = Form.load(readFileSync(art, "utf8"));
    const model = form.model();
    const sampleDir = join(dirname(source), "samples");
    const samples = (() => {
      try { return readdirSync(sampleDir).filter((n) => n.endsWith(".json")).sort().map((n) => join(sampleDir, n)); } catch { return []; }
    })();
    const texts = samples.map((p) => readFileSync(p, "utf8"));
    const bases = texts.map((t) => JSON.parse(t));
    const jobs = samples.map((p, i) => compare(basename(p), art, form, texts[i], ["de", "en"], TODAY));
    const gen = generator(model, hash(model.id + model.publisher));
    for (let i = 0; i < perForm; i++) {
      const text = JSON.stringify(gen(bases));
      jobs.push(compare(`${model.id} generated #${i}`, art, form, text, ["de", "en"], TODAY));
    }
    await Promise.all(jobs);
  });
}

test("parity: tests/cases/validate", async () => {
  const dir = join(root, "tests", "cases", "validate");
  const cases = readdirSync(dir).filter((n) => n.endsWith(".case")).sort();
  assert.ok(cases.length >= 20, "the validation cases");
  const jobs = [];
  for (const name of cases) {
    const s = sections(readFileSync(join(dir, name), "utf8"));
    const src = join(work, name.replace(/\.case$/, ".form"));
    writeFileSync(src, s.form);
    jobs.push((async () => {
      // A case whose form does not compile (yet) has nothing to compare.
      const art = await build(src, true);
      if (!art) return void stats.skipped.push(name);
      const form = Form.load(readFileSync(art, "utf8"));
      const o = s.options ? JSON.parse(s.options) : {};
      const today = o.today ?? TODAY;
      const langs = [...new Set([o.lang ?? null, "de", "en"])];
      const text = s.data.trim();
      await compare(name, art, form, text, langs, today);
      const gen = generator(form.model(), hash(name));
      let base;
      try { base = [JSON.parse(text)].filter((b) => b && typeof b === "object" && !Array.isArray(b)); } catch { base = []; }
      const more = [];
      for (let i = 0; i < perCase; i++) more.push(compare(`${name} generated #${i}`, art, form, JSON.stringify(gen(base)), langs.slice(0, 2), today));
      await Promise.all(more);
    })());
  }
  await Promise.all(jobs);
});

test("parity: a tampered artifact is refused, naming the hash", () => {
  const art = JSON.parse(readFileSync(join(root, "forms", "personenstandsurkunde", "personenstandsurkunde.form.json"), "utf8"));
  Form.load(art);
  art.model.title[Object.keys(art.model.title)[0]] += " (geändert)";
  assert.throws(() => Form.load(art), (e) => e instanceof Error && /hash/.test(e.message));
  assert.throws(() => Form.load(JSON.stringify(art)), /hash mismatch/);
  assert.throws(() => Form.load("{"), /not a valid form artifact/);
  assert.throws(() => Form.load({ ...art, format: "efa-form/9" }), /unknown artifact format/);
});

test("parity: summary", () => {
  const line = `parity: ${stats.cases} submissions, ${stats.comparisons} comparisons (CLI vs WASM, de/en); ` +
    `mismatches: text path ${stats.textMismatch}, value path ${stats.valueMismatch}, ` +
    `validate() vs validateJson() ${stats.objectMismatch}, exit code ${stats.exitMismatch}` +
    (stats.skipped.length ? `; skipped (form does not compile): ${stats.skipped.join(", ")}` : "");
  console.log(line);
  writeFileSync(join(work, "summary.txt"), line + "\n");
  for (const f of firstFailures) console.log("  " + f);
  assert.ok(stats.comparisons > 0);
  assert.deepEqual(
    [stats.textMismatch, stats.valueMismatch, stats.objectMismatch, stats.exitMismatch],
    [0, 0, 0, 0],
    `mismatches, see ${failDir}`,
  );
});

// A real browser completes every form of forms/ with JavaScript disabled, by keyboard alone.
//
//   node --test tests/browser/complete.mjs        (or tests/browser/run-complete.sh)
//
// Starts `target/debug/efa serve forms` (build it first: run-complete.sh does), reads the
// catalog, and for every form and adaptation in it takes the first samples/valid-*.json beside
// the form (preferring one without file fields) and fills the wizard in headless Chromium
// (/usr/bin/chromium or $CHROMIUM; context with javaScriptEnabled: false, locale de-DE):
// focus moves only with the Tab key, text is typed, radios are chosen with the arrow keys,
// checkboxes with Space, selects with the arrow keys, date fields by typing day, month and
// year; repeat groups get items by activating their "add" button with Enter. A file field is
// opened with Space and the browser's file chooser gets a small generated file of the sample's
// name and media type (the one step a keyboard user does in the operating system's dialog).
// Every page is submitted by tabbing to its button and pressing Enter; a page that comes back
// with status 422 or an error summary fails the test with its messages. The review page is
// submitted the same way and the receipt must show a reference like TH-2026-000001.
//
// A full-page screenshot of every page lands in $SHOTS (default: a new temp directory); the
// list is printed at the end. Installs nothing: run `npm ci` in tests/browser first.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const formsDir = join(root, "forms");
const target = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, "target");
const efa = join(target, "debug", "efa");
const work = mkdtempSync(join(tmpdir(), "efa-complete-"));
const shots = resolve(process.env.SHOTS || join(work, "screenshots"));
mkdirSync(shots, { recursive: true });
const uploads = join(work, "uploads");
mkdirSync(uploads, { recursive: true });

const MAX_TABS = 400;
const shotList = [];
const summary = [];

// --- catalog id -> folder, from the .form / .adapt.form files --------------------------
function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
const folders = new Map();
for (const f of walk(formsDir)) {
  const text = readFileSync(f, "utf8");
  let m = null;
  if (f.endsWith(".adapt.form")) m = text.match(/^\s*id\s+([A-Za-z0-9_-]+)/m);
  else if (f.endsWith(".form")) m = text.match(/^\s*form\s+([A-Za-z0-9_-]+)/m);
  if (m) folders.set(m[1], dirname(f));
}

function isFile(v) {
  return v && typeof v === "object" && !Array.isArray(v) && "sha256" in v && "media_type" in v;
}
function hasFile(v) {
  if (isFile(v)) return true;
  if (v && typeof v === "object") return Object.values(v).some(hasFile);
  return false;
}
function pickSample(dir) {
  const sdir = join(dir, "samples");
  if (!existsSync(sdir)) return null;
  const files = readdirSync(sdir).filter((f) => /^valid-.*\.json$/.test(f)).sort();
  if (files.length === 0) return null;
  const all = files.map((f) => ({ file: join(sdir, f), data: JSON.parse(readFileSync(join(sdir, f), "utf8")) }));
  return all.find((s) => !hasFile(s.data)) ?? all[0];
}

// Flatten a sample to data paths: scalars, arrays of scalars (checkbox sets), files;
// arrays of objects become PATH.N.…, and their lengths are kept for the "add" buttons.
function flatten(v, prefix, out, counts) {
  if (isFile(v)) out.set(prefix, { file: v });
  else if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => x && typeof x === "object" && !isFile(x))) {
      counts.set(prefix, v.length);
      v.forEach((x, i) => flatten(x, `${prefix}.${i}`, out, counts));
    } else out.set(prefix, v.map(String));
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out, counts);
  } else if (v !== null && v !== undefined) out.set(prefix, String(v));
}

// --- server -------------------------------------------------------------------------------
let server;
let base;
let browser;

// The day the sample submissions are written for (tests/validate.rs validates them on it):
// dates such as "valid from" with `min today()` are only valid relative to a fixed day.
const SAMPLE_DAY = "2026-11-25";

before(async () => {
  assert.ok(existsSync(efa), `${efa} missing: cargo build --bin efa first`);
  const args = ["serve", "forms", "--port", "0", "--db", join(work, "db.sqlite3"), "--runtime", "/nonexistent", "--today", SAMPLE_DAY];
  server = spawn(efa, args, {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  base = await new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`efa serve did not start:\n${err}`)), 60000);
    server.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/efa serve: \d+ forms at (http:\/\/[^\s/]+\/)/);
      if (m) {
        clearTimeout(t);
        ok(m[1]);
      }
    });
    server.on("exit", (c) => fail(new Error(`efa serve exited ${c}:\n${err}`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=de-DE"],
  });
  dateOrder = await probeDateOrder();
});

// The order of the segments of Chromium's date field follows the browser's own locale, not
// the context's: find it once by typing into a probe field.
let dateOrder = "DMY";
async function probeDateOrder() {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "de-DE" });
  const page = await context.newPage();
  await page.setContent('<input type="date" name="d">');
  await tabTo(page, (f) => f.name === "d", "the probe date field");
  await page.keyboard.type("01022003");
  const v = (await focused(page)).value;
  await context.close();
  return { "2003-02-01": "DMY", "2003-01-02": "MDY" }[v] ?? "YMD";
}

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  console.log(`\nscreenshots in ${shots}:`);
  for (const s of shotList) console.log(`  ${s}`);
  console.log("\nforms:");
  for (const s of summary) console.log(`  ${s}`);
});

async function catalogIds() {
  const html = await (await fetch(base)).text();
  const ids = [...html.matchAll(/href="([^"]*)"/g)]
    .map((m) => m[1].replace(/&#x2f;/gi, "/").replace(/&amp;/g, "&"))
    .map((h) => h.match(/^\/forms\/([A-Za-z0-9_-]+)$/)?.[1])
    .filter(Boolean);
  return [...new Set(ids)];
}

// --- keyboard helpers -------------------------------------------------------------------
const focused = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    return { tag: e.tagName.toLowerCase(), type: e.type ?? "", name: e.name ?? "", value: e.value ?? "", checked: !!e.checked, id: e.id };
  });

// Press Tab until the focused element satisfies pred; fails after MAX_TABS presses.
async function tabTo(page, pred, what) {
  for (let i = 0; i < MAX_TABS; i++) {
    const f = await focused(page);
    if (f && pred(f)) return f;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${what} on ${page.url()}`);
}

async function pageErrors(page) {
  return page.evaluate(() => {
    const out = [];
    for (const a of document.querySelectorAll('[role="alert"]')) out.push(a.innerText.trim());
    for (const e of document.querySelectorAll(".efa-error-message")) out.push(e.innerText.trim());
    return out;
  });
}

let shotNo = 0;
async function shot(page, id, label) {
  const f = join(shots, `${id}--${String(++shotNo).padStart(3, "0")}-${label}.png`);
  await page.screenshot({ path: f, fullPage: true });
  shotList.push(f);
}

// Press Enter on the focused submit button and wait for the resulting document.
async function submitFocused(page) {
  const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.keyboard.press("Enter")]);
  return resp;
}

function uploadFor(file) {
  const p = join(uploads, basename(file.name));
  const bytes = {
    "application/pdf": Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"),
    "image/png": Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex"),
    "image/jpeg": Buffer.from("ffd8ffe000104a46494600010100000100010000ffd9", "hex"),
  }[file.media_type] ?? Buffer.from("efa test upload\n");
  writeFileSync(p, bytes);
  return p;
}

// Fill the current page from the flattened sample, by keyboard. Returns the paths filled.
async function fillPage(page, values, filled, notes) {
  // The page's controls in document order (read, not changed, through the DevTools protocol).
  const controls = await page.evaluate(() =>
    [...document.querySelectorAll("form input, form select, form textarea")]
      .filter((e) => e.type !== "hidden" && e.type !== "submit" && e.type !== "button" && !e.disabled)
      .map((e) => ({ tag: e.tagName.toLowerCase(), type: e.type, name: e.name, value: e.value, checked: !!e.checked })),
  );
  const doneRadio = new Set();
  for (const c of controls) {
    if (!values.has(c.name)) continue;
    const want = values.get(c.name);
    if (c.type === "radio") {
      if (doneRadio.has(c.name)) continue;
      doneRadio.add(c.name);
      await tabTo(page, (f) => f.type === "radio" && f.name === c.name, `radio group ${c.name}`);
      let f = await focused(page);
      if (!f.checked) await page.keyboard.press("Space");
      for (let i = 0; i < 50; i++) {
        f = await focused(page);
        if (f.checked && f.value === want) break;
        await page.keyboard.press("ArrowDown");
      }
      f = await focused(page);
      assert.equal(f.value, want, `radio ${c.name}: could not choose ${want}`);
    } else if (c.type === "checkbox") {
      const on = Array.isArray(want) ? want.includes(c.value) : want === "true" ? c.value === "true" || c.value === "on" : false;
      if (c.checked === on) continue;
      await tabTo(page, (f) => f.type === "checkbox" && f.name === c.name && f.value === c.value, `checkbox ${c.name}=${c.value}`);
      await page.keyboard.press("Space");
    } else if (c.type === "file") {
      if (!want.file) continue;
      await tabTo(page, (f) => f.type === "file" && f.name === c.name, `file field ${c.name}`);
      // Space opens the chooser; retried, as the first interception can race with the key.
      let chooser = null;
      for (let i = 0; i < 3 && !chooser; i++) {
        [chooser] = await Promise.all([
          page.waitForEvent("filechooser", { timeout: 5000 }).catch(() => null),
          page.keyboard.press("Space"),
        ]);
      }
      assert.ok(chooser, `file field ${c.name}: Space opened no file chooser`);
      await chooser.setFiles(uploadFor(want.file));
      notes.add(`file ${c.name} chosen in the file chooser`);
    } else if (c.tag === "select") {
      await tabTo(page, (f) => f.tag === "select" && f.name === c.name, `select ${c.name}`);
      let ok = false;
      for (const key of ["ArrowDown", "ArrowUp"]) {
        for (let i = 0; i < 300 && !ok; i++) {
          if ((await focused(page)).value === want) ok = true;
          else await page.keyboard.press(key);
        }
      }
      assert.ok(ok, `select ${c.name}: no option ${want}`);
    } else {
      if (Array.isArray(want) || want.file) continue;
      await tabTo(page, (f) => f.name === c.name && f.tag === c.tag && f.type === c.type, `${c.type} ${c.name}`);
      if (c.type === "date") {
        const m = want.match(/^(\d{4})-(\d{2})-(\d{2})$/);
        assert.ok(m, `date ${c.name}: ${want}`);
        // Each segment advances by itself once full (TT.MM.JJJJ in de-DE, MM/DD/YYYY in en-US).
        const seg = { D: m[3], M: m[2], Y: m[1] };
        await page.keyboard.type([...dateOrder].map((k) => seg[k]).join(""));
      } else {
        await page.keyboard.press("Control+A");
        await page.keyboard.press("Delete");
        await page.keyboard.type(want);
      }
      const got = (await focused(page)).value;
      assert.equal(got, want, `${c.name}: typed ${JSON.stringify(want)}, the field holds ${JSON.stringify(got)}`);
    }
    filled.add(c.name);
  }
}

// Add items to repeat groups until the sample's counts are reached; true when it navigated.
async function addRepeatItems(page, counts) {
  const adds = await page.evaluate(() =>
    [...document.querySelectorAll('button[name="_action"]')].map((b) => b.value).filter((v) => v.startsWith("add:")),
  );
  for (const a of adds) {
    const path = a.slice(4);
    const need = counts.get(path) ?? 0;
    const have = await page.evaluate((p) => {
      let n = 0;
      for (const e of document.querySelectorAll("form [name]")) {
        const m = e.name.startsWith(p + ".") && e.name.slice(p.length + 1).match(/^(\d+)\./);
        if (m) n = Math.max(n, Number(m[1]) + 1);
      }
      return n;
    }, path);
    if (have < need) {
      await tabTo(page, (f) => f.tag === "button" && f.name === "_action" && f.value === a, `button ${a}`);
      await submitFocused(page);
      return true;
    }
  }
  return false;
}

const ids = await (async () => {
  // The catalog is read inside the tests; this only lists the folders for the test names.
  return [...folders.keys()].sort();
})();

for (const id of ids) {
  test(`complete ${id} by keyboard with JavaScript disabled`, { timeout: 300000 }, async () => {
    const catalog = await catalogIds();
    assert.ok(catalog.includes(id), `${id} is not in the catalog (${catalog.join(", ")})`);
    const sample = pickSample(folders.get(id));
    assert.ok(sample, `${id}: no samples/valid-*.json in ${folders.get(id)}`);
    const values = new Map();
    const counts = new Map();
    flatten(sample.data, "", values, counts);
    const notes = new Set();
    const filled = new Set();

    const context = await browser.newContext({ javaScriptEnabled: false, locale: "de-DE", viewport: { width: 1024, height: 800 } });
    const page = await context.newPage();
    page.on("filechooser", () => {}); // intercept the file dialog from the start
    try {
      let resp = await page.goto(`${base}forms/${id}`);
      assert.equal(resp.status(), 200);
      const seen = new Map();
      for (let step = 0; step < 60; step++) {
        const url = new URL(page.url());
        const status = resp?.status() ?? 200;
        const label = url.pathname.split("/").filter(Boolean).slice(2).join("-") || "start";
        await shot(page, id, label);
        const errors = await pageErrors(page);
        if (status === 422 || errors.length > 0) {
          throw new Error(`${id}: ${url.pathname} came back with status ${status} and errors:\n  ${errors.join("\n  ")}`);
        }
        const isReview = await page.evaluate(() => !!document.querySelector('form[action$="/submit"]'));
        if (isReview) {
          await tabTo(page, (f) => f.tag === "button" && f.type === "submit", "the submit button");
          resp = await submitFocused(page);
          await shot(page, id, "receipt");
          assert.equal(resp.status(), 200, `${id}: submit answered ${resp.status()}: ${(await pageErrors(page)).join("; ")}`);
          const text = await page.evaluate(() => document.body.innerText);
          const ref = text.match(/\b[A-Z]{2}-\d{4}-\d{6}\b/);
          assert.ok(ref, `${id}: no reference on the receipt:\n${text.slice(0, 800)}`);
          const unfilled = [...values.keys()].filter((k) => !filled.has(k));
          summary.push(
            `${id}: completed, reference ${ref[0]}, sample ${basename(sample.file)}` +
              (notes.size ? ` (${[...notes].join("; ")})` : "") +
              (unfilled.length ? `; sample values with no input on any page: ${unfilled.join(", ")}` : ""),
          );
          return;
        }
        seen.set(url.pathname, (seen.get(url.pathname) ?? 0) + 1);
        assert.ok(seen.get(url.pathname) < 10, `${id}: stuck on ${url.pathname}`);
        if (await addRepeatItems(page, counts)) {
          resp = null;
          continue;
        }
        await fillPage(page, values, filled, notes);
        await shot(page, id, `${label}-filled`);
        await tabTo(page, (f) => f.tag === "button" && f.name === "_action" && f.value === "next", "the Weiter button");
        resp = await submitFocused(page);
      }
      throw new Error(`${id}: no review page after 60 steps`);
    } catch (e) {
      summary.push(`${id}: FAILED: ${e.message.split("\n")[0]}`);
      throw e;
    } finally {
      await context.close();
    }
  });
}

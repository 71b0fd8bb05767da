// Times the browser runtime in headless Chromium on a generated 500-field form: the time to
// re-evaluate every condition (Form.evaluate: visibility of all fields, computed values,
// fees) after one change, as the page script does on each input. Prints one JSON line.
//
//   node wasm/tests/measure.mjs EFA_BINARY
//
// The form: 500 fields on 5 pages, five types in turn (integer, choice, boolean, text,
// date); every field after the first five is visible only when the field five before it
// has a certain value, so one change at the start cascades down a chain of 100. The data
// fills every field; the change toggles the first field. The page is cross-origin isolated
// so that performance.now() has 5 µs resolution; each sample times a batch of calls.

import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const efa = process.argv[2] ?? join(root, "target", "debug", "efa");
const work = mkdtempSync(join(tmpdir(), "efa-measure-"));

const N = 500;
const types = ["integer", "choice(ab)", "boolean", "text", "date"];
const conds = [(j) => `f${j} >= 2`, (j) => `f${j} in ["a", "b"]`, (j) => `f${j} == true`, (j) => `is_set(f${j})`, (j) => `f${j} <= today()`];
const values = [3, "a", true, "x", "2020-01-01"];
let src = `form bench500 {\n  version "1.0.0"\n  title "Bench"\n  publisher "TH"\n  list ab {\n    a "A"\n    b "B"\n    c "C"\n  }\n`;
for (let p = 0; p < 5; p++) {
  src += `  page p${p} "Seite ${p}" {\n`;
  for (let i = p * 100; i < (p + 1) * 100; i++) {
    const t = i % 5;
    src += `    field f${i}: ${types[t]} {\n      label "Feld ${i}"\n`;
    if (i >= 5) src += `      visible when ${conds[t](i - 5)}\n`;
    if (i % 7 === 0) src += `      required\n`;
    src += `    }\n`;
  }
  src += `  }\n`;
}
src += `  fee gebuehr "Gebühr" = if(f0 >= 2, f0 * 2.50, 0.00)\n}\n`;
writeFileSync(join(work, "bench500.form"), src);
execFileSync(efa, ["build", join(work, "bench500.form"), "-o", join(work, "bench500.form.json")]);
const data = Object.fromEntries(Array.from({ length: N }, (_, i) => [`f${i}`, values[i % 5]]));

const pkg = join(root, "wasm", "pkg");
const files = {
  "/": ["text/html", "<!DOCTYPE html><title>measure</title>"],
  "/efa_forms.js": ["text/javascript", readFileSync(join(pkg, "efa_forms.js"))],
  "/efa_forms_bg.wasm": ["application/wasm", readFileSync(join(pkg, "efa_forms_bg.wasm"))],
  "/bench500.form.json": ["application/json", readFileSync(join(work, "bench500.form.json"))],
};
const server = createServer((req, res) => {
  const f = files[new URL(req.url, "http://x").pathname];
  if (!f) return res.writeHead(404).end();
  res.writeHead(200, {
    "content-type": f[0],
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
  });
  res.end(f[1]);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
await page.goto(base + "/");
const result = await page.evaluate(async (data) => {
  const rt = await import("/efa_forms.js");
  await rt.default();
  const form = rt.Form.load(await (await fetch("/bench500.form.json")).text());
  const opts = { lang: "de", today: "2026-11-23" };
  const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
  const p95 = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length * 0.95)]; };
  const flip = (i) => ({ ...data, f0: i % 2 ? 1 : 3 });
  // Warm up, then single calls, then batches of 20 (below the timer's resolution single
  // calls would round).
  for (let i = 0; i < 200; i++) form.evaluate(flip(i), opts);
  const single = [];
  for (let i = 0; i < 1000; i++) {
    const d = flip(i);
    const t = performance.now();
    form.evaluate(d, opts);
    single.push(performance.now() - t);
  }
  const batch = [];
  for (let b = 0; b < 100; b++) {
    const ds = Array.from({ length: 20 }, (_, i) => flip(i));
    const t = performance.now();
    for (const d of ds) form.evaluate(d, opts);
    batch.push((performance.now() - t) / 20);
  }
  const validate = [];
  for (let i = 0; i < 200; i++) {
    const d = flip(i);
    const t = performance.now();
    form.validate(d, opts);
    validate.push(performance.now() - t);
  }
  const ev = form.evaluate(flip(1), opts);
  const hidden = Object.values(ev.visible).filter((v) => !v).length;
  return {
    isolated: crossOriginIsolated,
    fields: Object.keys(ev.visible).length,
    hidden_after_change: hidden,
    evaluate_median_ms: median(single),
    evaluate_p95_ms: p95(single),
    evaluate_batch_median_ms: median(batch),
    validate_median_ms: median(validate),
  };
}, data);
const version = browser.version();
await browser.close();
server.close();
if (errors.length) throw new Error(errors.join("\n"));
console.log(JSON.stringify({ chromium: version, ...result }));

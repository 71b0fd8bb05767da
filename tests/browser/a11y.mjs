// Accessibility and HTML checks of rendered pages, measured in a real browser.
//
//   node a11y.mjs HTML_DIR SCREENSHOT_DIR
//
// For every *.html file in HTML_DIR:
//   1. the Nu Html Checker (vnu-jar, Java) must report 0 errors;
//   2. axe-core, run in headless Chromium (/usr/bin/chromium, or $CHROMIUM), must report
//      0 violations of WCAG 2.0/2.1 A and AA (tags wcag2a, wcag2aa, wcag21a, wcag21aa);
//   3. no script may run: a dialog (alert/confirm/prompt) opened by any page is a failure
//      (the XSS corpus pages call alert(1) if their payloads were not escaped);
//   4. a full-page PNG screenshot is saved to SCREENSHOT_DIR (desktop width, and
//      SCREENSHOT_DIR/mobile at phone width).
//
// Pages are checked A11Y_JOBS (default 4) at a time.
//
// Prints one line per page and a summary, writes SCREENSHOT_DIR/report.json, and exits
// 1 when any check fails. Installs nothing: run `npm ci` in this directory first.

import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const [htmlDirArg, shotDirArg] = process.argv.slice(2);
if (!htmlDirArg || !shotDirArg) {
  console.error("usage: node a11y.mjs HTML_DIR SCREENSHOT_DIR");
  process.exit(2);
}
const htmlDir = resolve(htmlDirArg);
const shotDir = resolve(shotDirArg);
mkdirSync(join(shotDir, "mobile"), { recursive: true });

const files = readdirSync(htmlDir)
  .filter((f) => f.endsWith(".html"))
  .sort();
if (files.length === 0) {
  console.error(`no .html files in ${htmlDir}`);
  process.exit(2);
}

// 1. Nu Html Checker over the whole directory at once (one JVM start).
const vnuJar = join(here, "node_modules", "vnu-jar", "build", "dist", "vnu.jar");
const vnu = spawnSync(
  "java",
  ["-jar", vnuJar, "--errors-only", "--format", "json", htmlDir],
  { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
);
if (vnu.error) {
  console.error(`cannot run the Nu Html Checker: ${vnu.error.message}`);
  process.exit(2);
}
let vnuMessages = [];
try {
  vnuMessages = JSON.parse(vnu.stderr || vnu.stdout || "{}").messages ?? [];
} catch (e) {
  console.error(`cannot read the Nu Html Checker's output: ${e.message}\n${vnu.stderr}`);
  process.exit(2);
}
const vnuByFile = new Map(files.map((f) => [f, []]));
for (const m of vnuMessages) {
  if (m.type !== "error" && m.subType !== "fatal") continue;
  const name = m.url ? basename(fileURLToPath(m.url)) : "?";
  if (!vnuByFile.has(name)) vnuByFile.set(name, []);
  vnuByFile.get(name).push(m);
}

// 2.-4. axe-core, dialogs and screenshots in Chromium.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const axePath = require.resolve("axe-core/axe.min.js");
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const report = [];
let failed = false;
try {
  const desktop = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const mobile = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
  });
  const results = new Map();
  const checkOne = async (file) => {
    const url = pathToFileURL(join(htmlDir, file)).href;
    const page = await desktop.newPage();
    const dialogs = [];
    page.on("dialog", async (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      await d.dismiss();
    });
    await page.goto(url, { waitUntil: "load" });
    // Hover and focus everything once, so that injected event handlers would fire.
    await page.evaluate(() => {
      for (const el of document.querySelectorAll("body *")) {
        for (const type of ["mouseover", "focus", "click"]) {
          if (type === "click" && (el.tagName === "A" || el.tagName === "BUTTON" || el.tagName === "INPUT")) continue;
          el.dispatchEvent(new Event(type, { bubbles: false }));
        }
      }
    });
    await page.addScriptTag({ path: axePath });
    const axe = await page.evaluate(async (runTags) => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: "tag", values: runTags }, resultTypes: ["violations"] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
      }));
    }, tags);
    const shot = join(shotDir, file.replace(/\.html$/, ".png"));
    await page.screenshot({ path: shot, fullPage: true });
    await page.close();
    const mpage = await mobile.newPage();
    mpage.on("dialog", async (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      await d.dismiss();
    });
    await mpage.goto(url, { waitUntil: "load" });
    await mpage.screenshot({ path: join(shotDir, "mobile", file.replace(/\.html$/, ".png")), fullPage: true });
    await mpage.close();

    const vnuErrors = vnuByFile.get(file) ?? [];
    const ok = vnuErrors.length === 0 && axe.length === 0 && dialogs.length === 0;
    results.set(file, { ok, vnuErrors, axe, dialogs });
    console.log(
      `${ok ? "ok  " : "FAIL"} ${file}: vnu errors ${vnuErrors.length}, axe violations ${axe.length}` +
        (dialogs.length ? `, dialogs ${dialogs.length}` : ""),
    );
    for (const m of vnuErrors) {
      console.log(`       vnu: line ${m.lastLine ?? "?"}: ${m.message} ${m.extract ? JSON.stringify(m.extract) : ""}`);
    }
    for (const v of axe) {
      console.log(`       axe: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(", ")}`);
    }
    for (const d of dialogs) console.log(`       script ran: ${d}`);
  };
  // A few pages at a time in the one browser.
  const jobs = Math.max(1, Number(process.env.A11Y_JOBS) || 4);
  let next = 0;
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < files.length) {
        const file = files[next++];
        await checkOne(file);
      }
    }),
  );
  for (const file of files) {
    const { ok, vnuErrors, axe, dialogs } = results.get(file);
    failed ||= !ok;
    report.push({ file, vnu_errors: vnuErrors.length, axe_violations: axe.length, dialogs: dialogs.length });
  }
  // vnu messages about files that are not pages of this run (should not happen).
  for (const [name, msgs] of vnuByFile) {
    if (!files.includes(name) && msgs.length) {
      failed = true;
      console.log(`FAIL ${name}: vnu errors ${msgs.length}`);
    }
  }
} finally {
  await browser.close();
}

writeFileSync(join(shotDir, "report.json"), JSON.stringify(report, null, 2) + "\n");
const totals = report.reduce(
  (t, r) => ({ vnu: t.vnu + r.vnu_errors, axe: t.axe + r.axe_violations, dialogs: t.dialogs + r.dialogs }),
  { vnu: 0, axe: 0, dialogs: 0 },
);
const passed = report.filter((r) => r.vnu_errors === 0 && r.axe_violations === 0 && r.dialogs === 0).length;
console.log(
  `pages: ${report.length}; vnu errors: ${totals.vnu}; axe violations: ${totals.axe}; scripts run: ${totals.dialogs}; screenshots: ${shotDir}`,
);
console.log(`a11y: ${passed} passed, ${report.length - passed} failed`);
process.exit(failed ? 1 : 0);

// The enhancement script in headless Chromium, against a running `efa serve forms`:
// a conditional field appears without a request, an error appears on leaving a field (the
// server's message, in the server's markup), the page is not sent with errors on it and is
// sent without, a fee updates, a draft survives a reload, and nothing is logged to the
// console as an error. Screenshots land in $SHOTS (default: a temp dir, printed).
//
// While `efa serve` does not serve the runtime yet (GET /static/efa-enhance.js 404, no
// <script> in the page), the test supplies both itself from wasm/pkg and says so; once
// the server has them, the server's own are used.
//
// Needs wasm/build.sh to have run, `npm ci` in wasm/tests, Chromium at /usr/bin/chromium
// (or $CHROMIUM) and the efa binary ($EFA, default target/debug/efa).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const efa = process.env.EFA ?? join(root, "target", "debug", "efa");
const pkg = join(root, "wasm", "pkg");
const work = mkdtempSync(join(tmpdir(), "efa-browser-"));
const shots = process.env.SHOTS ?? join(work, "screenshots");
mkdirSync(shots, { recursive: true });

const ASSETS = {
  "efa-enhance.js": "text/javascript",
  "efa_forms.js": "text/javascript",
  "efa_forms_bg.wasm": "application/wasm",
};

let server;
let base;
let server2;
let base2;
let browser;
const supplied = new Set();

// The day the test form's server is told it is: years from the browser's clock, so that a
// runtime reading the clock instead of the page's data-efa-today gets `termin` wrong.
const SERVER_DAY = "2031-05-20";

function serve(dir, db, extra = []) {
  const child = spawn(efa, ["serve", dir, "--port", "0", "--db", join(work, db), "--runtime", pkg, ...extra], { stdio: ["ignore", "ignore", "pipe"] });
  const url = new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = /at (http:\/\/[^/\s]+)\//.exec(err);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`efa serve exited ${code}: ${err}`)));
  });
  return [child, url];
}

before(async () => {
  let url;
  [server, url] = serve(join(root, "forms"), "efa.sqlite3");
  base = await url;
  [server2, url] = serve(join(root, "wasm", "tests", "forms"), "efa2.sqlite3", ["--today", SERVER_DAY]);
  base2 = await url;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  server2?.kill("SIGTERM");
  console.log(`browser: screenshots in ${shots}`);
});

/** A page that records requests and console errors; the runtime supplied if missing. */
async function open({ breakRuntime = false, javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: "de-DE", javaScriptEnabled });
  const page = await context.newPage();
  const log = { requests: [], errors: [] };
  page.on("request", (r) => log.requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") log.errors.push(`${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => log.errors.push(`pageerror: ${e.message}`));
  await page.route("**/static/**", async (route) => {
    const name = new URL(route.request().url()).pathname.split("/").pop();
    if (!(name in ASSETS)) return route.continue();
    if (breakRuntime && name !== "efa-enhance.js") return route.fulfill({ status: 404, body: "" });
    const res = await route.fetch();
    if (res.ok()) return route.fulfill({ response: res });
    supplied.add(new URL(route.request().url()).pathname);
    return route.fulfill({ status: 200, contentType: ASSETS[name], body: readFileSync(join(pkg, name)) });
  });
  // Until the server links the script itself, add it as the server would.
  await page.exposeFunction("__efaSupplied", (what) => supplied.add(what));
  await page.addInitScript(() => {
    document.addEventListener("DOMContentLoaded", () => {
      if (!document.querySelector("form[data-efa-form]") || document.querySelector("script[src*='efa-enhance.js']")) return;
      window.__efaSupplied("<script type=module src=/static/efa-enhance.js> in the page");
      const s = document.createElement("script");
      s.type = "module";
      s.src = "/static/efa-enhance.js";
      document.head.append(s);
    });
  });
  return { context, page, log };
}

const ready = (page) => page.waitForFunction(() => document.documentElement.classList.contains("efa-js"), null, { timeout: 15000 });
const visible = (page, sel) => page.locator(sel).isVisible();
const settle = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** What `efa validate` says about a submission, for the message the page must show. */
function native(form, data, lang = "de", today = null) {
  const art = join(work, `${form}.form.json`);
  const src = form === "erprobung" ? join(root, "wasm", "tests", "forms", "erprobung.form") : join(root, "forms", form, `${form}.form`);
  execFileSync(efa, ["build", src, "-o", art]);
  const file = join(work, "data.json");
  writeFileSync(file, JSON.stringify(data));
  let out;
  const args = ["validate", art, file, "--lang", lang, ...(today ? ["--today", today] : [])];
  try { out = execFileSync(efa, args, { encoding: "utf8" }); } catch (e) { out = e.stdout; }
  return JSON.parse(out);
}

test("a conditional field appears and an error appears on leaving a field, without a request", async () => {
  const { context, page, log } = await open();
  await page.goto(`${base}/forms/personenstandsurkunde`);
  await ready(page);
  assert.equal(await visible(page, "#f-anschrift-plz_ausland"), false, "hidden at first");
  assert.equal(await visible(page, "#f-anschrift-plz"), true);
  const before = log.requests.length;

  // Another country: the foreign postcode appears, the German one goes.
  await page.fill("#f-anschrift-staat", "040");
  await settle(page);
  assert.equal(await visible(page, "#f-anschrift-plz_ausland"), true, "the foreign postcode appears");
  assert.equal(await visible(page, "#f-anschrift-plz"), false);
  assert.equal(await page.getAttribute("[data-efa-conditional='/anschrift/plz_ausland']", "data-efa-visible"), "true");

  // Leaving the e-mail field with a wrong address shows the server's message at once.
  await page.fill("#f-telefon", "0361 1234567");
  await page.fill("#f-email", "kein-at-zeichen");
  await page.press("#f-email", "Tab");
  await page.waitForSelector("#f-email-error");
  const expected = native("personenstandsurkunde", { email: "kein-at-zeichen", telefon: "0361 1234567" }).errors.find((e) => e.path === "/email");
  assert.ok(expected, "efa validate reports the address");
  const shown = await page.textContent("#f-email-error");
  assert.equal(shown.trim(), `Fehler: ${expected.message}`);
  assert.equal(await page.getAttribute("#f-email", "aria-invalid"), "true");
  assert.match(await page.getAttribute("#f-email", "aria-describedby"), /(^| )f-email-error$/);
  assert.ok(await page.locator(".efa-field--error #f-email").count());
  await page.screenshot({ path: join(shots, "1-conditional-and-field-error.png"), fullPage: true });

  // Corrected: the error goes.
  await page.fill("#f-email", "erika@example.org");
  await page.press("#f-email", "Tab");
  await page.waitForSelector("#f-email-error", { state: "detached" });
  assert.equal(await page.getAttribute("#f-email", "aria-invalid"), null);

  assert.deepEqual(log.requests.slice(before), [], "no request while filling in");
  assert.deepEqual(log.errors, []);
  await context.close();
});

test("the page is not sent with errors on it, and is sent without", async () => {
  const { context, page, log } = await open();
  await page.goto(`${base}/forms/personenstandsurkunde`);
  await ready(page);
  const before = log.requests.length;
  await page.click("button.efa-button[value=next]");
  await page.waitForSelector(".efa-error-summary");
  assert.deepEqual(log.requests.slice(before), [], "not sent");
  const links = await page.$$eval(".efa-error-summary__link", (as) => as.map((a) => [a.getAttribute("href"), a.textContent]));
  const want = native("personenstandsurkunde", {}).errors.filter((e) => ["vorname", "familienname", "geburtsdatum", "anschrift"].includes(e.path.split("/")[1]));
  assert.ok(links.length >= want.length && want.length > 0, `summary lists the page's errors: ${JSON.stringify(links)}`);
  assert.ok(links.some(([href, text]) => href === "#f-vorname" && text === want.find((e) => e.path === "/vorname").message));
  assert.equal(await page.evaluate(() => document.activeElement?.className), "efa-error-summary");
  assert.match(await page.title(), /^Fehler: /);
  await page.screenshot({ path: join(shots, "2-error-summary.png"), fullPage: true });

  // A valid page goes to the server, which moves on to the next page.
  await page.fill("#f-vorname", "Erika");
  await page.fill("#f-familienname", "Mustermann");
  await page.fill("#f-geburtsdatum", "1980-05-17");
  await page.fill("#f-anschrift-strasse", "Anger");
  await page.fill("#f-anschrift-hausnummer", "1");
  await page.fill("#f-anschrift-plz", "99084");
  await page.fill("#f-anschrift-ort", "Erfurt");
  await page.fill("#f-email", "erika@example.org");
  await Promise.all([page.waitForURL(/\/pages\/urkunde/), page.click("button.efa-button[value=next]")]);
  assert.ok(log.requests.some((r) => r.startsWith("POST /forms/personenstandsurkunde/pages/antragsteller")), "sent");
  await ready(page);

  // A fee updates with the number of certificates, without a request.
  const fee = () => page.textContent("[data-efa-fees]");
  await page.screenshot({ path: join(shots, "3a-next-page.png"), fullPage: true });
  await page.waitForSelector("[data-efa-fees]", { timeout: 5000 });
  const one = await fee();
  const sent = log.requests.length;
  await page.fill("#f-anzahl", "3");
  await settle(page);
  const three = await fee();
  assert.notEqual(one, three);
  const ev = native("personenstandsurkunde", { anzahl: 3 }).fees.find((f) => f.id === "urkunden");
  assert.ok(three.includes(ev.label) && three.includes(ev.amount.toFixed(2).replace(".", ",") + " €"), three);

  // And the other purpose appears with its choice.
  assert.equal(await visible(page, "#f-zweck_sonstiges"), false);
  await page.check("#f-verwendungszweck--sonstiges");
  await settle(page);
  assert.equal(await visible(page, "#f-zweck_sonstiges"), true);
  assert.deepEqual(log.requests.slice(sent), [], "no request for the fee or the condition");
  await page.screenshot({ path: join(shots, "3-fee-and-condition.png"), fullPage: true });
  assert.deepEqual(log.errors, []);
  await context.close();
});

test("a local draft survives a reload, without overwriting what the server rendered", async () => {
  const { context, page, log } = await open();
  await page.goto(`${base}/forms/personenstandsurkunde`);
  await ready(page);
  await page.fill("#f-vorname", "Erika");
  await page.fill("#f-telefon", "0361 1234567");
  await page.fill("#f-anschrift-staat", "040");
  await page.press("#f-anschrift-staat", "Tab");
  await settle(page);
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue("#f-vorname"), "Erika");
  assert.equal(await page.inputValue("#f-telefon"), "0361 1234567");
  assert.equal(await visible(page, "#f-anschrift-plz_ausland"), true, "restored values drive conditions");
  await page.screenshot({ path: join(shots, "4-draft-restored.png"), fullPage: true });
  assert.deepEqual(log.errors, []);
  await context.close();
});

test("without the runtime the page works as it is", async () => {
  const { context, page } = await open({ breakRuntime: true });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/forms/personenstandsurkunde`);
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => document.documentElement.className), "efa-no-js");
  assert.equal(await visible(page, "#f-anschrift-plz_ausland"), true, "conditional fields stay shown without the runtime");
  await Promise.all([page.waitForLoadState(), page.click("button.efa-button[value=next]")]);
  await page.waitForSelector(".efa-error-summary");
  assert.ok(page.url().includes("/pages/antragsteller"), "the server answered the post");
  assert.deepEqual(errors, []);
  await context.close();
});

/** The structure of an element: tags, attributes (sorted; values of inputs left out), texts. */
function structure(page, selector) {
  return page.$$eval(selector, (els) => {
    const canon = (n) => {
      if (n.nodeType === 3) return n.textContent.replace(/\s+/g, " ").trim() || null;
      if (n.nodeType !== 1) return null;
      // What the user changed is state, not markup: checked and selected as properties.
      const attrs = [...n.attributes]
        .filter((a) => !["autofocus", "checked", "selected"].includes(a.name) && !(a.name === "value" && n.tagName === "INPUT" && n.type !== "radio" && n.type !== "checkbox"))
        .map((a) => `${a.name}=${a.value}`);
      if (n.type === "radio" || n.type === "checkbox") attrs.push(`:checked=${n.checked}`);
      if (n.tagName === "OPTION") attrs.push(`:selected=${n.selected}`);
      attrs.sort();
      return [n.tagName.toLowerCase(), attrs, [...n.childNodes].map(canon).filter((x) => x !== null)];
    };
    return els.map(canon);
  });
}

async function fillFirstPage(page) {
  await page.fill("#f-vorname", "Erika");
  await page.fill("#f-familienname", "Mustermann");
  await page.fill("#f-geburtsdatum", "1980-05-17");
  await page.fill("#f-anschrift-strasse", "Anger");
  await page.fill("#f-anschrift-hausnummer", "1");
  await page.fill("#f-anschrift-plz", "99084");
  await page.fill("#f-anschrift-ort", "Erfurt");
  await page.fill("#f-email", "erika@example.org");
  await Promise.all([page.waitForURL(/\/pages\/urkunde/), page.click("button.efa-button[value=next]")]);
}

test("errors are shown in the server's markup", async () => {
  const got = {};
  for (const js of [false, true]) {
    const { context, page, log } = await open({ javaScriptEnabled: js });
    for (const path of ["/forms/personenstandsurkunde", "second page"]) {
      if (path === "second page") await fillFirstPage(page);
      else await page.goto(`${base}${path}`);
      if (js) await ready(page);
      const posts = log.requests.filter((r) => r.startsWith("POST")).length;
      await page.click("button.efa-button[value=next]");
      await page.waitForSelector(".efa-error-summary");
      if (js) assert.equal(log.requests.filter((r) => r.startsWith("POST")).length, posts, "not sent");
      await page.screenshot({ path: join(shots, `5-${js ? "runtime" : "server"}-errors-${path === "second page" ? 2 : 1}.png`), fullPage: true });
      got[`${js}${path}`] = {
        summary: await structure(page, ".efa-error-summary"),
        fields: await structure(page, "form.efa-form .efa-field, form.efa-form fieldset.efa-fieldset--group"),
        title: await page.title(),
      };
      if (js) assert.deepEqual(log.errors, []);
    }
    await context.close();
  }
  for (const path of ["/forms/personenstandsurkunde", "second page"]) {
    const server = got[`false${path}`];
    const runtime = got[`true${path}`];
    assert.deepEqual(runtime.summary, server.summary, `error summary on ${path}`);
    assert.equal(runtime.fields.length, server.fields.length);
    for (let i = 0; i < server.fields.length; i++) assert.deepEqual(runtime.fields[i], server.fields[i], `field ${i} on ${path}`);
    assert.equal(runtime.title, server.title);
  }
});

/** The same answers into the test form, with or without the runtime. */
async function fillErprobung(page) {
  await page.fill("#f-anzahl", "11");
  await page.fill("#f-betrag", "12,5,0");
  await page.click("label[for=f-lieferung]");
  await page.fill("#f-adresse-plz", "123");
  await page.fill("#f-personen-0-alter", "-1");
}

test("repeated groups, computed values, checks: the server's markup, and add is never blocked", async () => {
  const got = {};
  for (const js of [false, true]) {
    const { context, page, log } = await open({ javaScriptEnabled: js });
    await page.goto(`${base2}/forms/erprobung`);
    if (js) await ready(page);
    await fillErprobung(page);
    const posts = log.requests.filter((r) => r.startsWith("POST")).length;
    await page.click("button.efa-button[value=next]");
    await page.waitForSelector(".efa-error-summary");
    if (js) assert.equal(log.requests.filter((r) => r.startsWith("POST")).length, posts, "not sent");
    await page.screenshot({ path: join(shots, `6-${js ? "runtime" : "server"}-erprobung.png`), fullPage: true });
    got[js] = {
      summary: await structure(page, ".efa-error-summary"),
      fields: await structure(page, "form.efa-form .efa-field, form.efa-form fieldset"),
    };
    if (js) {
      // The add button goes to the server even with errors on the page.
      await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click("button[value='add:personen']")]);
      await page.waitForSelector("#f-personen-1-name");
      await ready(page);
      assert.deepEqual(log.errors, []);
    }
    await context.close();
  }
  assert.deepEqual(got[true].summary, got[false].summary, "error summary");
  assert.equal(got[true].fields.length, got[false].fields.length);
  for (let i = 0; i < got[false].fields.length; i++) assert.deepEqual(got[true].fields[i], got[false].fields[i], `element ${i}`);
});

test("computed values and fees follow the answers; a boolean shows a group; English messages", async () => {
  const { context, page, log } = await open();
  await page.goto(`${base2}/forms/erprobung`);
  await ready(page);
  const sent = log.requests.length;
  await page.fill("#f-anzahl", "3");
  await page.fill("#f-betrag", "1.234,50");
  await settle(page);
  assert.equal(await page.textContent("#f-summe"), "1.257,00 €");
  assert.match(await page.textContent("[data-efa-fees]"), /Bestellung\s*22,50 €\s*Gesamt\s*22,50 €/);
  await page.screenshot({ path: join(shots, "7-computed.png"), fullPage: true });
  assert.equal(await visible(page, "#f-adresse"), false);
  await page.check("#f-lieferung");
  await settle(page);
  assert.equal(await visible(page, "#f-adresse"), true);
  await page.uncheck("#f-lieferung");
  await settle(page);
  assert.equal(await visible(page, "#f-adresse"), false);
  await page.fill("#f-anzahl", "");
  await settle(page);
  assert.equal(await page.textContent("#f-summe"), "–", "no value without a quantity");
  assert.equal(await page.locator("[data-efa-fees]").count(), 0, "no fee worked out yet: no fee box");
  assert.deepEqual(log.requests.slice(sent), []);

  await page.goto(`${base2}/forms/erprobung?lang=en`);
  await ready(page);
  await page.focus("#f-personen-0-name");
  await page.press("#f-personen-0-name", "Tab");
  await page.waitForSelector("#f-personen-0-name-error");
  const want = native("erprobung", { anzahl: 1, personen: [{}] }, "en").errors.find((e) => e.path === "/personen/0/name");
  assert.equal((await page.textContent("#f-personen-0-name-error")).trim(), `Error: ${want.message}`);
  await page.fill("#f-betrag", "12.50");
  await page.press("#f-betrag", "Tab");
  await settle(page);
  assert.equal(await page.locator("#f-betrag-error").count(), 0, "12.50 is a sum of money");
  await page.screenshot({ path: join(shots, "8-english.png"), fullPage: true });
  assert.deepEqual(log.errors, []);
  await context.close();
});

test("the runtime's today() is the server's day, not the browser's clock", async () => {
  const { context, page, log } = await open();
  await page.goto(`${base2}/forms/erprobung`);
  await ready(page);
  assert.equal(await page.getAttribute("form.efa-form", "data-efa-today"), SERVER_DAY);
  const before = log.requests.length;
  // One day too early, then the server's day, then one day past today + 30.
  for (const [day, wrong] of [["2031-05-19", true], ["2031-05-20", false], ["2031-06-20", true], ["2031-06-19", false]]) {
    await page.fill("#f-termin", day);
    await page.focus("#f-anzahl");
    if (wrong) {
      await page.waitForSelector("#f-termin-error");
      const expected = native("erprobung", { termin: day }, "de", SERVER_DAY).errors.find((e) => e.path === "/termin");
      assert.ok(expected, `efa validate --today ${SERVER_DAY} rejects ${day}`);
      assert.equal((await page.textContent("#f-termin-error")).trim(), `Fehler: ${expected.message}`, day);
    } else {
      await page.waitForSelector("#f-termin-error", { state: "detached" });
      assert.equal(native("erprobung", { termin: day }, "de", SERVER_DAY).errors.find((e) => e.path === "/termin"), undefined, day);
    }
  }
  assert.deepEqual(log.requests.slice(before), [], "no request while filling in");
  assert.deepEqual(log.errors, []);
  await context.close();
});

test("efa serve linked and served the runtime itself; the test supplied nothing", () => {
  assert.deepEqual([...supplied], []);
});

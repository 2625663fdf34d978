// Shared by the browser tests: the browser (headless Debian Chromium, driven by playwright-core),
// named steps that stop at the first broken expectation, logging in, and the JSON API (as the
// admin, with the API key scripts/browser-test.sh made) for comparisons.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";

export const base = process.env.BOLTIC_URL;
assert.ok(base, "BOLTIC_URL must point at the server");
export const shots = process.env.SCREENSHOTS ?? "target/browser";
const adminKey = process.env.BOLTIC_ADMIN_KEY;
assert.ok(adminKey, "BOLTIC_ADMIN_KEY must hold an admin's API key");

/** The users scripts/browser-test.sh made: {email, password}. */
export const accounts = {
  admin: { email: process.env.BOLTIC_ADMIN_EMAIL, password: process.env.BOLTIC_ADMIN_PASSWORD },
  editor: { email: process.env.BOLTIC_EDITOR_EMAIL, password: process.env.BOLTIC_EDITOR_PASSWORD },
};
for (const [who, a] of Object.entries(accounts)) assert.ok(a.email && a.password, `the ${who}'s email and password must be set`);
mkdirSync(shots, { recursive: true });

export const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});

/** A new browser context whose requests carry the admin's API key (`options` as for
 *  `browser.newContext`). */
export const adminContext = (browser, options = {}) =>
  browser.newContext({ ...options, extraHTTPHeaders: { Authorization: `Bearer ${adminKey}` } });

// The pages `pageErrors` watches and what their consoles said, printed with a screenshot when a
// step fails: a timeout alone does not say what the page was doing.
const watched = [];

/** The page errors of `page` as they happen (a test ends by asserting there were none). Its
 *  console's errors and warnings are kept too, for the report of a failed step. */
export const pageErrors = (page) => {
  const errors = [];
  const console_ = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") console_.push(`${m.type()}: ${m.text()}`);
  });
  watched.push({ page, errors, console: console_ });
  return errors;
};

/** What the watched pages show and said: URL, page errors, console errors and warnings, the
 *  visible text (cut), and a screenshot under `shots`. */
const report = async (step) => {
  for (const [i, w] of watched.entries()) {
    if (w.page.isClosed()) continue;
    const shot = `${shots}/failed-${step.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}-${i}.png`;
    const text = await w.page.locator("body").innerText({ timeout: 2000 }).catch((e) => `(no text: ${e.message})`);
    await w.page.screenshot({ path: shot, fullPage: true, timeout: 5000 }).catch(() => {});
    console.error(`  page ${i}: ${w.page.url()} (screenshot ${shot})`);
    for (const e of w.errors) console.error(`    page error: ${e}`);
    for (const c of w.console.slice(-20)) console.error(`    console ${c}`);
    console.error(`    text: ${text.replace(/\s+/g, " ").slice(0, 600)}`);
  }
};

let failed = false;
export const hasFailed = () => failed;

/** Run one named step; print its time; rethrow (ending the test) on failure. */
export const step = async (name, fn) => {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed = true;
    console.error(`FAIL ${name}: ${e.stack ?? e}`);
    await report(name).catch((r) => console.error(`  (no report: ${r})`));
    throw e;
  }
};

/** Call the API as the admin (API key); `token` sends a share link's token instead, `null`
 *  nothing. Returns {status, body}. */
export const api = async (method, path, body, token) => {
  const headers = { "Content-Type": "application/json" };
  const bearer = token === undefined ? adminKey : token;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const r = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
};

/** Log `page` in through the login form; resolves once the server has sent it on. */
export const login = async (page, email, password) => {
  await page.goto(`${base}/login`);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith("/login")),
    page.getByRole("button", { name: "Log in" }).click(),
  ]);
};

/** A number as the web app shows it (`format_cell`) in the field's Excel-style format (the API's
 *  `value_format`: text around the number such as `€`, grouping, decimals, `%` times 100, `-` in
 *  front of a negative number), else thousands grouped with two decimals for fractions. */
export const shown = (v, format) => {
  if (v === null || v === undefined) return "∅";
  // `[$€-407]` as `"€"`; text before the number may be quoted or escaped
  const m = format?.split(";")[0].replace(/\[\$([^\]-]*)[^\]]*\]/g, '"$1"')
    .match(/^((?:"[^"]*"|\\.|[^#0"\\])*)([#0][#0,]*(?:\.[#0]*)?)(.*)$/);
  if (!m) {
    const decimals = Number.isInteger(v) ? 0 : 2;
    return v.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }
  const [, before, number, after] = m;
  const text = (t) => t.replace(/"([^"]*)"|\\(.)/g, "$1$2");
  const scaled = /%/.test(after.replace(/"[^"]*"|\\./g, "")) ? v * 100 : v;
  const [, min = "", max = min] = (number.split(".")[1] ?? "").match(/^(0*)(.*)$/) ?? [];
  const digits = Math.abs(scaled).toLocaleString("en-US", {
    minimumFractionDigits: min.length, maximumFractionDigits: min.length + max.length, useGrouping: number.includes(","),
  });
  const sign = scaled < 0 && /[1-9]/.test(digits) ? "-" : "";
  return `${sign}${text(before)}${digits}${text(after)}`;
};

/** The rows of a query through the API. */
export const apiQuery = async (query) => {
  const r = await api("POST", "/api/v1/query", query);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.rows;
};

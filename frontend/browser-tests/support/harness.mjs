// Shared by the browser tests: the browser (headless Debian Chromium, driven by playwright-core),
// named steps that stop at the first broken expectation, and the JSON API for comparisons.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";

export const base = process.env.BOLTIC_URL;
assert.ok(base, "BOLTIC_URL must point at the server");
export const shots = process.env.SCREENSHOTS ?? "target/browser";
mkdirSync(shots, { recursive: true });

export const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});

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
    throw e;
  }
};

/** Call the API; `token` sends a share link's token. Returns {status, body}. */
export const api = async (method, path, body, token) => {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
};

/** The rows of a query through the API. */
export const apiQuery = async (query) => {
  const r = await api("POST", "/api/v1/query", query);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.rows;
};

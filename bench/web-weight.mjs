// Benchmark of the web app's weight (not a test: it prints figures). Run by bench/web-weight.sh,
// which starts a server; or by hand:
//
//   BOLTIC_URL=http://127.0.0.1:3000 BOLTIC_KEY=bk_... node bench/web-weight.mjs [runs] [explore]
//   (BOLTIC_CHART_QUERY: the chart page's query string, for an explore other than `orders`)
//
// In headless Debian Chromium (the browser tests' flags), each run opens a fresh browser context
// (empty cache, no cookies; the API key as Authorization header) and measures:
//   - time to a usable field list on /explore/<explore>: from navigation start until the first
//     field of the picker is in the page. The picker is filled by the hydrated app (the explore
//     is fetched in the browser, never rendered on the server), so a field there means the app
//     is live; the run then clicks it and checks it lands on a shelf;
//   - time to a drawn chart on /explore/<explore>?<a bar chart's query> (Chart tab clicked as
//     soon as the tab is there): from navigation start until ECharts' canvas is in the page;
//   - bytes transferred (compressed, as on the wire, headers included) by kind of resource:
//     ECharts, wasm, other js, css, document, API, other.
// Prints the median of the runs and every run.
import assert from "node:assert/strict";
import { createRequire } from "node:module";

// playwright-core is installed in frontend/ (scripts/build-frontend.sh)
const { chromium } = createRequire(new URL("../frontend/package.json", import.meta.url))("playwright-core");

const base = process.env.BOLTIC_URL;
const key = process.env.BOLTIC_KEY;
assert.ok(base && key, "BOLTIC_URL and BOLTIC_KEY (an API key) must be set");
const runs = Number(process.argv[2] ?? 5);
const explore = process.argv[3] ?? "orders";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});

const kindOf = (url, type) => {
  const path = new URL(url).pathname;
  if (/echarts/.test(path)) return "echarts";
  if (path.endsWith(".wasm")) return "wasm";
  if (path.endsWith(".js")) return "js";
  if (path.endsWith(".css")) return "css";
  if (path.startsWith("/api/")) return "api";
  if (type === "Document") return "document";
  return "other";
};

/** Open `path` in a fresh context, run `until(page)`, return {ms, bytes: {kind: n}}. `until`
 *  returns the page's own time (ms since navigation start) of the moment it waited for. */
const measure = async (path, until) => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    extraHTTPHeaders: { Authorization: `Bearer ${key}` },
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const requests = new Map();
  const bytes = {};
  cdp.on("Network.responseReceived", (e) => requests.set(e.requestId, kindOf(e.response.url, e.type)));
  cdp.on("Network.loadingFinished", (e) => {
    const kind = requests.get(e.requestId);
    if (kind) bytes[kind] = (bytes[kind] ?? 0) + e.encodedDataLength;
  });
  await page.goto(`${base}${path}`, { waitUntil: "commit" });
  const ms = await until(page);
  await page.waitForLoadState("networkidle");
  await context.close();
  assert.deepEqual(errors, [], "no error in the page");
  return { ms, bytes };
};

const fieldList = async (page) => {
  const field = page.locator(".picker li.field button.add").first();
  await field.waitFor();
  const ms = await page.evaluate(() => performance.now());
  const name = await page.locator(".picker li.field").first().getAttribute("data-field");
  await field.click();
  await page.locator(`.shelf .chip[data-field="${name}"]`).waitFor();
  return ms;
};

const chart = async (page) => {
  await page.getByRole("tab", { name: "Chart" }).click();
  await page.locator(".chart-area .chart canvas").first().waitFor();
  return page.evaluate(() => performance.now());
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

// the chart page's query: a few bars (override with BOLTIC_CHART_QUERY for another explore)
const chartQuery = process.env.BOLTIC_CHART_QUERY ?? "d=customers.customer_group_type&m=orders.revenue&v=bar";

try {
  for (const [name, path, until] of [
    ["field list usable", `/explore/${explore}`, fieldList],
    ["chart drawn", `/explore/${explore}?${chartQuery}`, chart],
  ]) {
    // one warm-up run for the server (query cache, file cache), not counted
    await measure(path, until);
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(path, until));
    const times = results.map((r) => r.ms);
    console.log(`${name} (${path}): median ${median(times).toFixed(0)} ms of ${runs} ` +
                `[${times.map((t) => t.toFixed(0)).join(", ")}]`);
    const kinds = [...new Set(results.flatMap((r) => Object.keys(r.bytes)))].sort();
    const total = median(results.map((r) => Object.values(r.bytes).reduce((a, b) => a + b, 0)));
    console.log(`  transferred: ${kib(total)} total; ` +
                kinds.map((k) => `${k} ${kib(median(results.map((r) => r.bytes[k] ?? 0)))}`).join(", "));
  }
} finally {
  await browser.close();
}

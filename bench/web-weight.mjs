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
// The moments are taken in the page itself (a MutationObserver added before the page's own
// scripts, which also clicks the Chart tab), and this script asks for them through the DevTools
// protocol: nothing of Playwright's runs in the page while it loads. Playwright's own waiting
// (`locator.waitFor`, then asking the page for the time) added 60-100 ms to each figure: its
// script is evaluated on the page's main thread while the app starts, and it looks once a frame
// (docs/benchmarks.md, session 39).
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

/** In the page, before its own scripts: run `steps` in order as the page changes, each waiting
 *  for an element (`selector`, and its text when `text` is given), then clicking it (`click`) or
 *  noting the moment (ms since navigation start) in `window.__bolticMoment`. */
const watch = (steps) => {
  let next = 0;
  const step = () => {
    while (next < steps.length) {
      const { selector, text, click } = steps[next];
      const el = [...document.querySelectorAll(selector)].find((e) => text === undefined || e.textContent.trim() === text);
      if (!el) return;
      next += 1;
      if (click) el.click();
      else window.__bolticMoment = performance.now();
    }
    observer.disconnect();
  };
  const observer = new MutationObserver(step);
  observer.observe(document, { childList: true, subtree: true });
};

/** Open `path` in a fresh context with `steps` watched in the page (`watch`), wait for their
 *  moment, run `then(page)` (checks after the moment), return {ms, bytes: {kind: n}}. */
const measure = async (path, steps, then) => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    extraHTTPHeaders: { Authorization: `Bearer ${key}` },
  });
  await context.addInitScript(watch, steps);
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
  // the moment, asked for through the DevTools protocol (no script of Playwright's in the page)
  const deadline = Date.now() + 30_000;
  let ms;
  while (typeof ms !== "number") {
    assert.ok(Date.now() < deadline, `${path}: no moment within 30 s (errors: ${errors.join("; ")})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { result } = await cdp.send("Runtime.evaluate", { expression: "window.__bolticMoment", returnByValue: true });
    ms = result.value;
  }
  await then(page);
  await page.waitForLoadState("networkidle");
  await context.close();
  assert.deepEqual(errors, [], "no error in the page");
  return { ms, bytes };
};

// the field list: the first field's add button is there; then it is clicked and lands on a shelf
const fieldList = [[{ selector: ".picker li.field button.add" }], async (page) => {
  const name = await page.locator(".picker li.field").first().getAttribute("data-field");
  await page.locator(".picker li.field button.add").first().click();
  await page.locator(`.shelf .chip[data-field="${name}"]`).waitFor();
}];

// a chart: the Chart tab clicked as soon as it is there, then ECharts' canvas is there
const chart = [[{ selector: "[role=tab]", text: "Chart", click: true }, { selector: ".chart-area .chart canvas" }],
  async (page) => {
    await page.locator(".chart-area .chart canvas").first().waitFor();
  }];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

// the chart page's query: a few bars (override with BOLTIC_CHART_QUERY for another explore)
const chartQuery = process.env.BOLTIC_CHART_QUERY ?? "d=customers.customer_group_type&m=orders.revenue&v=bar";

try {
  for (const [name, path, [steps, then]] of [
    ["field list usable", `/explore/${explore}`, fieldList],
    ["chart drawn", `/explore/${explore}?${chartQuery}`, chart],
  ]) {
    // one warm-up run for the server (query cache, file cache), not counted
    await measure(path, steps, then);
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(path, steps, then));
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

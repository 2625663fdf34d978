// Browser test of CSV downloads, as the admin (by API key): from an explore and from a dashboard
// tile, each the same rows as the API answers for the same question, named after it.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { adminContext, api, apiQuery, base, hasFailed, launch, pageErrors, shots, step } from "./support/harness.mjs";

/** A small CSV (no quoted commas in these columns) as objects keyed by the header. */
const parse = (text) => {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const names = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [names[i], v])));
};
/** Rows as comparable text: numbers rounded, empty for null. */
const canon = (rows, fields) => rows
  .map((r) => fields.map((f) => {
    const v = r[f];
    if (v === null || v === undefined || v === "") return "";
    return Number.isFinite(Number(v)) ? Number(v).toFixed(2) : String(v);
  }).join("|"))
  .sort();

const browser = await launch();
try {
  const context = await adminContext(browser, {
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors = pageErrors(page);

  await step("download the explore's rows as CSV: the API's rows, named after the question", async () => {
    const fields = ["customers.customer_group_type", "orders.revenue", "orders.order_count"];
    await page.goto(`${base}/explore/orders?d=customers.customer_group_type&m=orders.revenue,orders.order_count`);
    await page.locator("table.data tbody tr").first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^[a-z0-9-]+\.csv$/);
    assert.match(download.suggestedFilename(), /revenue/);
    const rows = parse(await readFile(await download.path(), "utf8"));
    const want = await apiQuery({ explore: "orders", fields });
    assert.ok(want.length >= 2);
    assert.deepEqual(canon(rows, fields), canon(want, fields));
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  });

  await step("download a dashboard tile as CSV: the tile's rows with the dashboard's filters", async () => {
    await page.goto(`${base}/dashboards/revenue_overview`);
    const tile = page.locator('article.tile[data-tile="revenue_by_group"]');
    await tile.locator("table, canvas, .single-value").first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      tile.getByRole("button", { name: /^download .* as CSV$/ }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^revenue-by-customer-group\.csv$/);
    const rows = parse(await readFile(await download.path(), "utf8"));
    const r = await api("POST", "/api/v1/dashboards/revenue_overview/tiles/revenue_by_group/query", {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const fields = r.body.fields.map((f) => f.name);
    assert.ok(r.body.rows.length >= 2);
    assert.deepEqual(canon(rows, fields), canon(r.body.rows, fields));
    await page.screenshot({ path: `${shots}/tile-download.png` });
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

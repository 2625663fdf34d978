// Browser test of what pages download, as the admin (by API key): ECharts (a third of the app's
// bytes) is fetched only by a page that draws a chart, once, and a chart still draws what the
// API answers; a failed ECharts download leaves the chart undrawn, and the next chart tries again.
import assert from "node:assert/strict";
import { adminContext, apiQuery, base, hasFailed, launch, pageErrors, shots, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await adminContext(browser, {
    viewport: { width: 1280, height: 860 },
  });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const echartsRequests = [];
  page.on("request", (r) => { if (/echarts/i.test(new URL(r.url()).pathname)) echartsRequests.push(r.url()); });
  const query = "d=customers.customer_group_type&m=orders.revenue";
  const rows = await apiQuery({ explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"] });

  await step("an explore showing a table downloads no ECharts", async () => {
    await page.goto(`${base}/explore/orders?${query}`);
    await page.locator("table.data tbody tr").first().waitFor();
    await page.waitForLoadState("networkidle");
    assert.equal(await page.locator("table.data tbody tr").count(), rows.length);
    assert.deepEqual(echartsRequests, []);
    assert.equal(await page.evaluate(() => typeof window.echarts), "undefined");
  });

  await step("the admin page downloads no ECharts", async () => {
    await page.goto(`${base}/admin`);
    await page.locator("table.users tbody tr").first().waitFor();
    await page.waitForLoadState("networkidle");
    assert.deepEqual(echartsRequests, []);
  });

  await step("the Chart tab downloads ECharts once and draws the API's numbers", async () => {
    await page.goto(`${base}/explore/orders?${query}`);
    await page.locator("table.data tbody tr").first().waitFor();
    await page.getByRole("tab", { name: "Chart" }).click();
    await page.locator(".chart-area .chart canvas").first().waitFor();
    assert.deepEqual(echartsRequests.map((u) => new URL(u).pathname), ["/pkg/echarts.min.js"]);
    const drawn = await page.evaluate(() =>
      echarts.getInstanceByDom(document.querySelector(".chart-area .chart")).getOption().series[0]);
    assert.equal(drawn.type, "bar");
    assert.deepEqual([...drawn.data].map(Number).sort(), rows.map((r) => r["orders.revenue"]).sort());
    // another chart type draws with the ECharts already there
    await page.getByLabel("chart type").selectOption("line");
    await page.waitForFunction(() =>
      echarts.getInstanceByDom(document.querySelector(".chart-area .chart"))?.getOption().series[0].type === "line");
    assert.equal(echartsRequests.length, 1);
    await page.screenshot({ path: `${shots}/weight-chart.png`, fullPage: true });
  });

  await step("a failed ECharts download draws nothing; the next chart loads it again", async () => {
    const fresh = await context.newPage();
    fresh.on("pageerror", (e) => errors.push(String(e)));
    let failures = 1;
    await fresh.route("**/pkg/echarts.min.js", (route) => (failures-- > 0 ? route.abort() : route.continue()));
    await fresh.goto(`${base}/explore/orders?${query}&v=bar`);
    await fresh.locator("table.data tbody tr").first().waitFor();
    await fresh.getByRole("tab", { name: "Chart" }).click();
    await fresh.locator(".chart-area").waitFor();
    await fresh.waitForLoadState("networkidle");
    assert.equal(failures, 0, "ECharts was asked for");
    assert.equal(await fresh.locator(".chart-area .chart canvas").count(), 0);
    await fresh.getByLabel("chart type").selectOption("line");
    await fresh.locator(".chart-area .chart canvas").first().waitFor();
    assert.equal(await fresh.evaluate(() =>
      echarts.getInstanceByDom(document.querySelector(".chart-area .chart")).getOption().series[0].type), "line");
    await fresh.close();
  });

  await step("no errors in the page", async () => assert.deepEqual(errors, []));
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

// Browser test of charts that never mislead, as the admin (by API key): a pivot draws one series
// per pivot value, a time axis runs forward whatever the table's sort, and chart types that cannot
// show a result say why instead of drawing (single value on many rows, a pie of too many slices);
// scatter's x axis is the dimension. Reads what ECharts was given (`getOption()`).
import assert from "node:assert/strict";
import { adminContext, apiQuery, base, hasFailed, launch, pageErrors, shots, step } from "./support/harness.mjs";

const browser = await launch();
try {
  // As the admin by their API key (the other tests use up the login form's attempts).
  const context = await adminContext(browser, {
    viewport: { width: 1280, height: 860 },
  });
  const page = await context.newPage();
  const errors = pageErrors(page);

  /** Open an explore URL (it runs what it holds), wait for its rows, show the Chart tab. */
  const openChart = async (query) => {
    await page.goto(`${base}/explore/orders?${query}`);
    await page.locator("table.data tbody tr").first().waitFor();
    await page.getByRole("tab", { name: "Chart" }).click();
    await page.locator(".chart-area").waitFor();
  };
  /** What ECharts draws, once it has drawn. */
  const drawn = async () => {
    await page.locator(".chart-area .chart canvas").first().waitFor();
    return page.evaluate(() => {
      const o = echarts.getInstanceByDom(document.querySelector(".chart-area .chart")).getOption();
      return { xAxis: o.xAxis, yAxis: o.yAxis, series: o.series.map((s) => ({ type: s.type, name: s.name, data: s.data })) };
    });
  };
  const month = (iso) => iso.slice(0, 7);

  const monthly = await apiQuery({ explore: "orders", fields: ["trips.start_month", "orders.revenue"] });
  const months = [...new Set(monthly.map((r) => month(r["trips.start_month"])))].sort();
  assert.ok(months.length > 12, `months: ${months}`);

  await step("a pivoted line chart draws one line per pivot value over the months", async () => {
    await openChart("d=trips.start_month&m=orders.revenue&p=orders.status&v=line");
    const rows = await apiQuery({ explore: "orders", fields: ["trips.start_month", "orders.status", "orders.revenue"],
                                  pivots: ["orders.status"] });
    const statuses = [...new Set(rows.map((r) => r["orders.status"]))];
    assert.ok(statuses.length >= 2, `statuses: ${statuses}`);
    const o = await drawn();
    assert.deepEqual(o.xAxis[0].data, months, "one category per month, in time order");
    assert.deepEqual(o.series.map((s) => s.name).sort(), statuses.map(String).sort());
    for (const s of o.series) {
      assert.equal(s.type, "line");
      assert.equal(s.data.length, months.length);
      months.forEach((m, i) => {
        const row = rows.find((r) => month(r["trips.start_month"]) === m && String(r["orders.status"]) === s.name);
        const v = s.data[i] === "-" ? null : s.data[i];
        assert.equal(v, row ? row["orders.revenue"] : null, `${s.name} in ${m}`);
      });
    }
    await page.screenshot({ path: `${shots}/chart-pivoted-line.png`, fullPage: true });
  });

  await step("a pivoted column chart has one series per pivot value too", async () => {
    await page.getByLabel("chart type").selectOption("column");
    await page.waitForFunction(() => document.querySelector(".chart-area")?.dataset.chart === "column");
    const o = await drawn();
    assert.deepEqual(o.xAxis[0].data, months);
    assert.ok(o.series.length >= 2 && o.series.every((s) => s.type === "bar" && !s.name.includes("·")), JSON.stringify(o.series.map((s) => s.name)));
  });

  await step("with no sort a line over months runs forward; the table keeps its order", async () => {
    await openChart("d=trips.start_month&m=orders.revenue");
    assert.equal(await page.locator(".chart-area").getAttribute("data-chart"), "line");
    const o = await drawn();
    assert.deepEqual(o.xAxis[0].data, months);
    const revenue = Object.fromEntries(monthly.map((r) => [month(r["trips.start_month"]), r["orders.revenue"]]));
    assert.deepEqual(o.series[0].data, months.map((m) => revenue[m]));
    await page.getByRole("tab", { name: "Results" }).click();
    const firstCells = await page.locator("table.data tbody tr td:first-child").allInnerTexts();
    assert.equal(firstCells.length, months.length);
    assert.ok(firstCells[0] > firstCells[firstCells.length - 1], `the table runs newest first: ${firstCells[0]} … ${firstCells.at(-1)}`);
  });

  await step("single value on many rows says why instead of showing the first row", async () => {
    await openChart("d=trips.start_month&m=orders.revenue&v=single");
    const why = page.locator(".chart-area .chart-unfit");
    await why.waitFor();
    assert.equal(await why.innerText(), `Single value needs one row; this result has ${months.length}`);
    assert.equal(await page.locator(".single-value").count(), 0);
    await page.screenshot({ path: `${shots}/chart-single-unfit.png`, fullPage: true });
  });

  await step("a type that fits, picked after one that did not, is drawn full size", async () => {
    await page.getByLabel("chart type").selectOption("line");
    await page.waitForFunction(() => document.querySelector(".chart-area")?.dataset.chart === "line");
    const o = await drawn();
    assert.deepEqual(o.xAxis[0].data, months);
    assert.equal(await page.locator(".chart-area .chart-unfit").count(), 0);
    const box = await page.locator(".chart-area .chart canvas").first().boundingBox();
    assert.ok(box.width > 200 && box.height > 200, JSON.stringify(box));
  });

  await step("a pie of more than 12 slices says why instead of drawing", async () => {
    await openChart("d=trips.start_month&m=orders.revenue&v=pie");
    const why = page.locator(".chart-area .chart-unfit");
    await why.waitFor();
    assert.equal(await why.innerText(), `Pie needs at most 12 slices; this result has ${months.length}`);
    assert.equal(await page.locator(".chart-area .chart canvas").count(), 0);
  });

  await step("a pie of a few slices is drawn", async () => {
    await openChart("d=orders.status&m=orders.revenue&v=pie");
    const o = await drawn();
    assert.equal(o.series[0].type, "pie");
    assert.equal(await page.locator(".chart-area .chart-unfit").count(), 0);
  });

  await step("scatter puts the month on the x axis, not the row number", async () => {
    await openChart("d=trips.start_month&m=orders.revenue&v=scatter");
    const o = await drawn();
    assert.equal(o.xAxis[0].type, "category");
    assert.deepEqual(o.xAxis[0].data, months);
    assert.equal(o.series[0].data.length, months.length);
    const box = await page.locator(".chart-area .chart canvas").first().boundingBox();
    assert.ok(box.width > 200 && box.height > 200, JSON.stringify(box));
    await page.screenshot({ path: `${shots}/chart-scatter.png`, fullPage: true });
  });

  await step("the chart type picker disables the types that do not fit, saying why", async () => {
    await openChart("d=trips.start_month&m=orders.revenue");
    const single = page.locator('select[aria-label="chart type"] option[value=single]').first();
    await page.waitForFunction(() => document.querySelector('select[aria-label="chart type"] option[value=single]')?.disabled);
    assert.match(await single.getAttribute("title"), /^Single value needs one row; this result has \d+$/);
    const line = page.locator('select[aria-label="chart type"] option[value=line]').first();
    assert.equal(await line.isDisabled(), false);
  });

  assert.deepEqual(errors, [], "page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

// Browser test of value formats, as the admin (by API key): revenue (`value_format_name: eur` in
// the demo model) shows as euros with grouping in the table and its totals row, a pivoted table,
// a single value, on the chart's value axis and in the chart's tooltip (each series in its own
// format), and every number agrees with the API's raw value; JSON and CSV stay raw numbers. The
// axis labels are read from ECharts (`getViewLabels()`: the labels it drew); the tooltip from its
// DOM after hovering a bar with the mouse.
import assert from "node:assert/strict";
import { adminContext, api, base, hasFailed, launch, pageErrors, shots, step } from "./support/harness.mjs";

/** `v` as euros with two decimals and thousands grouped: 1234.5 → €1,234.50, -3 → -€3.00. */
const euros = (v) => `${v < 0 ? "-" : ""}€${Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
/** `v` as a whole number with thousands grouped. */
const whole = (v) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });
/** A number shown with a € prefix and grouping, back to a number (null when it is not one). */
const fromEuros = (text) => (/^-?€\d{1,3}(,\d{3})*(\.\d+)?$/.test(text) ? Number(text.replace(/[€,]/g, "")) : null);

const browser = await launch();
try {
  const context = await adminContext(browser, {
    viewport: { width: 1280, height: 860 },
  });
  const page = await context.newPage();
  const errors = pageErrors(page);

  const query = { explore: "orders", fields: ["orders.status", "orders.revenue", "orders.order_count"],
                  sorts: [{ field: "orders.revenue", desc: true }], totals: true };
  const answer = await api("POST", "/api/v1/query", query);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const rows = answer.body.rows;
  assert.ok(rows.length >= 2, JSON.stringify(rows));
  const revenueField = answer.body.fields.find((f) => f.name === "orders.revenue");
  const url = `${base}/explore/orders?d=orders.status&m=orders.revenue,orders.order_count&s=-orders.revenue&t=1`;

  await step("the API sends revenue's format and raw numbers", async () => {
    assert.equal(revenueField.value_format, "€#,##0.00");
    for (const r of rows) assert.equal(typeof r["orders.revenue"], "number");
    const csv = await fetch(`${base}/api/v1/query?format=csv`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${process.env.BOLTIC_ADMIN_KEY}` },
      body: JSON.stringify(query),
    });
    const text = await csv.text();
    assert.ok(!text.includes("€"), `CSV carries raw numbers: ${text}`);
  });

  await step("the table shows revenue in euros with grouping, totals too; counts stay plain", async () => {
    await page.goto(url);
    await page.locator("table.data tbody tr").first().waitFor();
    const cells = await page.locator("table.data tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.innerText)));
    assert.equal(cells.length, rows.length);
    rows.forEach((r, i) => {
      const [status, revenue, orders] = cells[i];
      assert.equal(status, String(r["orders.status"]));
      assert.equal(revenue, euros(r["orders.revenue"]), `row ${i}`);
      assert.ok(Math.abs(fromEuros(revenue) - r["orders.revenue"]) < 0.005, `${revenue} vs ${r["orders.revenue"]}`);
      assert.equal(orders, whole(r["orders.order_count"]));
    });
    assert.ok(rows.some((r) => r["orders.revenue"] >= 1000), "some revenue is grouped by thousands");
    const totals = await page.locator("table.data tfoot td").allInnerTexts();
    assert.equal(totals[1], euros(answer.body.totals["orders.revenue"]));
    assert.equal(totals[2], whole(answer.body.totals["orders.order_count"]));
  });

  await step("a pivoted table and its totals, and a single value, show euros too", async () => {
    const q = { explore: "orders", fields: ["trips.start_year", "orders.status", "orders.revenue"], pivots: ["orders.status"], totals: true };
    const r = await api("POST", "/api/v1/query", q);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await page.goto(`${base}/explore/orders?d=trips.start_year,orders.status&m=orders.revenue&p=orders.status&t=1`);
    await page.locator("table.data.pivoted tbody tr").first().waitFor();
    const cells = (await page.locator("table.data.pivoted tbody td.measure").allInnerTexts()).filter((t) => t !== "");
    const want = r.body.rows.map((row) => euros(row["orders.revenue"])).sort();
    assert.deepEqual([...cells].sort(), want);
    const total = await page.locator(".pivot-totals").innerText();
    assert.ok(total.includes(euros(r.body.totals["orders.revenue"])), `${total} vs ${r.body.totals["orders.revenue"]}`);

    await page.goto(`${base}/explore/orders?m=orders.revenue&v=single`);
    await page.locator("table.data tbody tr").first().waitFor();
    await page.getByRole("tab", { name: "Chart" }).click();
    const single = page.locator(".single-value .value");
    await single.waitFor();
    assert.equal(await single.innerText(), euros(answer.body.totals["orders.revenue"]));
  });

  /** The tick labels the chart drew on `axis` (`xAxis` or `yAxis`). */
  const drawn = (axis) => page.evaluate((axis) => {
    const chart = echarts.getInstanceByDom(document.querySelector(".chart-area .chart"));
    const labels = chart.getModel().getComponent(axis, 0).axis.getViewLabels().map((l) => l.formattedLabel);
    return { labels };
  }, axis);

  /** Open an explore URL, wait for its rows, show the Chart tab and wait for the drawing. */
  const openChart = async (at) => {
    await page.goto(at);
    await page.locator("table.data tbody tr").first().waitFor();
    await page.getByRole("tab", { name: "Chart" }).click();
    await page.locator(".chart-area .chart canvas").first().waitFor();
  };

  await step("a bar chart of revenue labels its value axis in euros", async () => {
    await openChart(url.replace("m=orders.revenue,orders.order_count", "m=orders.revenue") + "&v=bar");
    const { labels } = await drawn("xAxis");
    assert.ok(labels.length >= 2, JSON.stringify(labels));
    const values = labels.map(fromEuros);
    assert.ok(values.every((v) => v !== null), `every label is euros with grouping: ${JSON.stringify(labels)}`);
    const top = Math.max(...rows.map((r) => r["orders.revenue"]));
    assert.ok(Math.max(...values) >= top, `the axis reaches the largest revenue ${top}: ${JSON.stringify(labels)}`);
    assert.ok(labels.some((l) => l.includes(",")), `large ticks are grouped: ${JSON.stringify(labels)}`);
    await page.screenshot({ path: `${shots}/formats-bar.png`, fullPage: true });
  });

  await step("hovering a bar shows its revenue in euros in the tooltip", async () => {
    const chartBox = await page.locator(".chart-area .chart").boundingBox();
    const r = rows[0];
    const [x, y] = await page.evaluate((v) => {
      const chart = echarts.getInstanceByDom(document.querySelector(".chart-area .chart"));
      return chart.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [v / 2, 0]);
    }, r["orders.revenue"]);
    await page.mouse.move(chartBox.x + x, chartBox.y + y);
    const tooltip = page.locator(".chart-area .chart > div").filter({ hasNot: page.locator("canvas") })
      .filter({ hasText: String(r["orders.status"]) });
    await tooltip.waitFor({ state: "visible" });
    const text = await tooltip.innerText();
    assert.ok(text.includes(euros(r["orders.revenue"])), `tooltip ${JSON.stringify(text)} shows ${euros(r["orders.revenue"])}`);
    await page.screenshot({ path: `${shots}/formats-tooltip.png`, fullPage: true });
  });

  await step("with two measures each series' tooltip value has its own format", async () => {
    await openChart(`${url}&v=column`);
    const chartBox = await page.locator(".chart-area .chart").boundingBox();
    const r = rows[0];
    const [x, y] = await page.evaluate((v) => {
      const chart = echarts.getInstanceByDom(document.querySelector(".chart-area .chart"));
      return chart.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [0, v / 2]);
    }, r["orders.revenue"]);
    await page.mouse.move(chartBox.x + x, chartBox.y + y);
    const tooltip = page.locator(".chart-area .chart > div").filter({ hasNot: page.locator("canvas") })
      .filter({ hasText: String(r["orders.status"]) });
    await tooltip.waitFor({ state: "visible" });
    const text = await tooltip.innerText();
    assert.ok(text.includes(euros(r["orders.revenue"])), `tooltip ${JSON.stringify(text)} shows revenue in euros`);
    assert.match(text, new RegExp(`Orders\\s+${whole(r["orders.order_count"])}(\\s|$)`), `tooltip ${JSON.stringify(text)} shows the count plainly`);
    // revenue and a count share the value axis: it cannot claim euros
    const { labels } = await drawn("yAxis");
    assert.ok(labels.every((l) => !l.includes("€")), JSON.stringify(labels));
    await page.screenshot({ path: `${shots}/formats-two-series.png`, fullPage: true });
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

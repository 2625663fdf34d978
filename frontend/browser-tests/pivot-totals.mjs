// Browser test of a pivoted table's totals, as the admin (by API key): with Totals ticked, each
// pivot column gets its own totals row (the API's `pivot_totals`, computed by the server, so a
// distinct count is right), and the grand totals are said under the table.
import assert from "node:assert/strict";
import { adminContext, api, base, hasFailed, launch, pageErrors, shots, step } from "./support/harness.mjs";

const number = (text) => Number(text.replace(/[^0-9.-]/g, ""));

const browser = await launch();
try {
  const context = await adminContext(browser, {
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const errors = pageErrors(page);

  await step("each pivot column has its totals, as the API computes them", async () => {
    const question = {
      explore: "orders",
      fields: ["customers.customer_group_type", "orders.status", "orders.order_count", "orders.distinct_customers"],
      pivots: ["orders.status"],
      totals: true,
    };
    const r = await api("POST", "/api/v1/query", question);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const columns = r.body.pivot_totals;
    assert.ok(columns.length >= 2, JSON.stringify(r.body));
    await page.goto(`${base}/explore/orders?d=customers.customer_group_type&p=orders.status` +
      `&m=orders.order_count,orders.distinct_customers&t=1`);
    const foot = page.locator("table.data.pivoted tfoot tr.column-totals");
    await foot.waitFor();
    assert.equal(await foot.locator("th").innerText(), "Totals");
    // the header row of pivot values gives the columns' order
    const order = await page.locator("table.data.pivoted thead th.pivot").allInnerTexts();
    const cells = (await foot.locator("td").allInnerTexts()).map(number);
    const want = order.flatMap((status) => {
      const c = columns.find((t) => t["orders.status"] === status);
      assert.ok(c, `no totals for ${status}`);
      return [c["orders.order_count"], c["orders.distinct_customers"]];
    });
    assert.deepEqual(cells, want);
    await page.getByText(/^Total over all columns:/).waitFor();
    await page.screenshot({ path: `${shots}/pivot-totals.png` });
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

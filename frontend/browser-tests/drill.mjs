// Browser test of drilling, as the admin (by API key): a revenue figure opens the rows behind
// it (as many as the figure's order count, summing to it, sortable), and a year drills down to
// its quarters (the explore's question one level down, equal to the API's answer).
import assert from "node:assert/strict";
import { adminContext, apiQuery, base, hasFailed, launch, pageErrors, shots, step } from "./support/harness.mjs";

const number = (text) => Number(text.replace(/[^0-9.-]/g, ""));

const browser = await launch();
try {
  const context = await adminContext(browser, {
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const errors = pageErrors(page);

  await step("a revenue figure drills to its orders: as many as it counts, summing to it", async () => {
    const question = {
      explore: "orders",
      fields: ["trips.start_month", "customers.customer_group_type", "orders.revenue", "orders.order_count"],
      filters: { "orders.status": "Finished", "trips.start_month": "2024-03" },
      sorts: [{ field: "orders.revenue", desc: true }],
    };
    const want = await apiQuery(question);
    assert.ok(want.length >= 2, JSON.stringify(want));
    const top = want[0];
    assert.ok(top["orders.order_count"] > 1 && top["orders.order_count"] < 500, JSON.stringify(top));
    await page.goto(`${base}/explore/orders?d=trips.start_month,customers.customer_group_type` +
      `&m=orders.revenue,orders.order_count&f.orders.status=Finished&f.trips.start_month=2024-03&s=-orders.revenue`);
    const firstRow = page.locator(".results table.data tbody tr").first();
    await firstRow.waitFor();
    const cell = firstRow.locator("td.measure button.drill").first();
    assert.equal(number(await cell.innerText()), Number(top["orders.revenue"].toFixed(2)));
    // the order count column drills too; a dimension without drill fields does not
    assert.equal(await firstRow.locator("td.dimension button.drill").count(), 1, "only the month drills down");
    await cell.click();
    const panel = page.getByRole("dialog", { name: /rows behind Revenue/ });
    await panel.locator("table.data tbody tr").first().waitFor();
    const title = (await panel.locator("h3").innerText()).toLowerCase();
    assert.ok(title.includes(String(top["customers.customer_group_type"] ?? "∅").toLowerCase()), title);
    assert.equal(await panel.locator(".drill-count").innerText(), `${top["orders.order_count"]} rows behind this value`);
    const rows = panel.locator("table.data tbody tr");
    assert.equal(await rows.count(), top["orders.order_count"]);
    const header = await panel.locator("thead th").allInnerTexts();
    const price = header.findIndex((h) => /price/i.test(h));
    const status = header.findIndex((h) => /status/i.test(h));
    assert.ok(price >= 0 && status >= 0, header.join("|"));
    const prices = (await panel.locator(`tbody tr td:nth-child(${price + 1})`).allInnerTexts()).map(number);
    const sum = prices.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - top["orders.revenue"]) < 0.01 * prices.length, `${sum} vs ${top["orders.revenue"]}`);
    const statuses = await panel.locator(`tbody tr td:nth-child(${status + 1})`).allInnerTexts();
    assert.deepEqual([...new Set(statuses)], ["Finished"]);
    // sortable: the price header sorts the rows, highest first
    await panel.locator("thead th").nth(price).getByRole("button").click();
    await panel.locator("thead th").nth(price).filter({ hasText: "▼" }).waitFor();
    await panel.locator("table.data tbody tr").first().waitFor();
    const sorted = (await panel.locator(`tbody tr td:nth-child(${price + 1})`).allInnerTexts()).map(number);
    assert.deepEqual(sorted, [...prices].sort((a, b) => b - a));
    await page.screenshot({ path: `${shots}/drill-detail.png` });
    await page.keyboard.press("Escape");
    await panel.getByRole("button", { name: "Close" }).click().catch(() => {});
    await panel.waitFor({ state: "detached" });
  });

  await step("a year drills down to its quarters, as the API answers", async () => {
    await page.goto(`${base}/explore/trips?d=trips.start_year&m=trips.trip_count&s=trips.start_year`);
    const year = page.locator(".results table.data tbody tr").first().locator("td.dimension button.drill");
    await year.waitFor();
    const text = await year.innerText();
    assert.match(text, /^\d{4}/);
    await year.click();
    await page.getByRole("group", { name: "drill down" }).getByRole("button", { name: /quarter/i }).click();
    await page.waitForURL(/d=trips\.start_quarter/);
    const y = text.slice(0, 4);
    const want = await apiQuery({
      explore: "trips",
      fields: ["trips.start_quarter", "trips.trip_count"],
      filters: { "trips.start_year": `${y}-01-01 to ${Number(y) + 1}-01-01` },
      sorts: [{ field: "trips.start_quarter" }],
    });
    assert.ok(want.length >= 1 && want.length <= 4, JSON.stringify(want));
    await page.locator(".results table.data tbody tr").nth(want.length - 1).waitFor();
    const counts = (await page.locator(".results table.data tbody tr td.measure").allInnerTexts()).map(number);
    assert.deepEqual(counts, want.map((r) => r["trips.trip_count"]));
    const quarters = await page.locator(".results table.data tbody tr td.dimension").allInnerTexts();
    assert.ok(quarters.every((q) => q.startsWith(y)), quarters.join("|"));
    await page.screenshot({ path: `${shots}/drill-down.png` });
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

// Browser test of what the explore page says and keeps: filter editors keep their kind when
// another filter is added and when a URL is reopened; a date range includes its last day (with a
// date picker); the empty, not-yet-run, running, no-rows and invalid-row-limit states are said
// plainly; Ctrl+Enter runs. Each step failed before these were fixed.
import assert from "node:assert/strict";
import { accounts, api, base, hasFailed, launch, login, pageErrors, shots, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const operator = (field) => page.getByLabel(`operator for ${field}`, { exact: true });
  const value = (field) => page.getByLabel(`value for ${field}`, { exact: true });
  const second = (field) => page.getByLabel(`second value for ${field}`, { exact: true });
  const hydrated = async () => page.locator(".picker li.field").first().waitFor();

  await step("log in as the admin", () => login(page, accounts.admin.email, accounts.admin.password));

  await step("a new explore says what to do; with fields chosen it says to run", async () => {
    await page.goto(`${base}/explore/orders`);
    await hydrated();
    await page.getByText("Add dimensions and measures, then Run.").waitFor();
    await page.locator('.picker li.field[data-field="orders.status"] button.add').click();
    await page.getByText("Press Run (or Ctrl+Enter) to see the rows.").waitFor();
    assert.equal(await page.getByText("Add dimensions and measures, then Run.").count(), 0);
  });

  await step("Ctrl+Enter runs the question", async () => {
    await page.keyboard.press("Control+Enter");
    await page.locator("table.data tbody tr").first().waitFor();
  });

  await step("a row limit of 0 or -5 is refused with a message, not changed behind your back", async () => {
    const limit = page.locator("input.limit");
    for (const bad of ["0", "-5"]) {
      await limit.fill(bad);
      await limit.dispatchEvent("change");
      await page.getByRole("alert").filter({ hasText: "row limit" }).waitFor();
      assert.equal(await page.getByRole("button", { name: "Run" }).isDisabled(), true, bad);
      assert.equal(await limit.getAttribute("aria-invalid"), "true");
    }
    await limit.fill("10");
    await limit.dispatchEvent("change");
    await page.getByRole("alert").filter({ hasText: "row limit" }).waitFor({ state: "detached" });
    assert.equal(await page.getByRole("button", { name: "Run" }).isDisabled(), false);
  });

  await step("filter editors keep their kind with two filters and after reopening the URL", async () => {
    const url = `${base}/explore/orders?d=orders.status&m=orders.order_count`
      + `&f.orders.status=${encodeURIComponent("-Cancelled")}`
      + `&f.orders.price_eur=${encodeURIComponent(">=100")}`
      + `&f.trips.start_date=${encodeURIComponent("2024-01-01 to 2025-01-01")}`;
    for (let round = 0; round < 2; round++) {
      if (round === 0) await page.goto(url); else await page.reload();
      await hydrated();
      await operator("orders.status").waitFor();
      assert.equal(await operator("orders.status").inputValue(), "ne", "is not");
      assert.equal(await value("orders.status").inputValue(), "Cancelled");
      assert.equal(await operator("orders.price_eur").inputValue(), "gte");
      assert.equal(await value("orders.price_eur").inputValue(), "100");
      // the range shows its last day, in date pickers
      assert.equal(await operator("trips.start_date").inputValue(), "range");
      assert.equal(await value("trips.start_date").inputValue(), "2024-01-01");
      assert.equal(await second("trips.start_date").inputValue(), "2024-12-31");
      assert.equal(await value("trips.start_date").getAttribute("type"), "date");
      assert.equal(await second("trips.start_date").getAttribute("type"), "date");
    }
    await page.screenshot({ path: `${shots}/explore-filters-kept.png`, fullPage: true });
  });

  await step("a date range chosen in the editor includes its last day", async () => {
    await second("trips.start_date").fill("2024-06-30");
    await second("trips.start_date").dispatchEvent("change");
    await page.locator(".filter-editor code.expression", { hasText: "2024-01-01 to 2024-07-01" }).waitFor();
    // the same rows as the API asked for the inclusive range
    await page.getByRole("button", { name: "Run" }).click();
    const r = await api("POST", "/api/v1/query", {
      explore: "orders", fields: ["orders.status", "orders.order_count"],
      filters: { "orders.status": "-Cancelled", "orders.price_eur": ">=100", "trips.start_date": "2024-01-01 to 2024-07-01" },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const want = r.body.rows.reduce((n, row) => n + Number(row["orders.order_count"]), 0);
    assert.ok(want > 0, "the test data has orders in that range");
    await page.waitForFunction((want) => {
      const cells = [...document.querySelectorAll("table.data tbody tr td:last-child")];
      const sum = cells.reduce((n, c) => n + Number(c.innerText.replace(/[^0-9.-]/g, "")), 0);
      return sum === want;
    }, want);
  });

  await step("a question without rows says so", async () => {
    await page.goto(`${base}/explore/orders?d=orders.status&m=orders.order_count&f.orders.status=${encodeURIComponent("No such status")}`);
    await hydrated();
    await page.getByRole("status").filter({ hasText: "No rows match" }).waitFor();
    await page.screenshot({ path: `${shots}/explore-no-rows.png`, fullPage: true });
  });

  await step("the Finished orders explore shows its fixed filter and condition, and only finished orders", async () => {
    await page.goto(`${base}/explore/finished_orders?d=orders.status&m=orders.order_count`);
    await hydrated();
    const chip = page.locator('.shelf.filters .chip[data-field="trips.start_date"]');
    await chip.waitFor();
    assert.match(await chip.innerText(), /always/);
    assert.equal(await chip.getByRole("button", { name: /^remove/ }).count(), 0, "a fixed filter cannot be removed");
    assert.equal(await operator("trips.start_date").inputValue(), "last_months");
    assert.equal(await value("trips.start_date").inputValue(), "12");
    await page.locator(".fixed-note").waitFor();
    // the test data ends in 2024: pick that year and see finished orders only
    await operator("trips.start_date").selectOption("range");
    await value("trips.start_date").fill("2024-01-01");
    await value("trips.start_date").dispatchEvent("change");
    await second("trips.start_date").fill("2024-12-30");
    await second("trips.start_date").dispatchEvent("change");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator("table.data tbody tr").first().waitFor();
    const statuses = await page.locator("table.data tbody tr td:first-child").allInnerTexts();
    assert.deepEqual([...new Set(statuses)], ["Finished"], statuses.join(","));
    await page.screenshot({ path: `${shots}/explore-finished-orders.png`, fullPage: true });
  });

  await step("a pivoted table says how many rows it shows, and shows the totals", async () => {
    await page.goto(`${base}/explore/orders?d=trips.start_month,orders.status&m=orders.order_count&p=orders.status&t=1`);
    await page.locator("table.data.pivoted tbody tr").first().waitFor();
    const r = await api("POST", "/api/v1/query", {
      explore: "orders", fields: ["trips.start_month", "orders.status", "orders.order_count"],
      pivots: ["orders.status"], totals: true,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const months = new Set(r.body.rows.map((row) => row["trips.start_month"])).size;
    const shown = await page.locator("table.data.pivoted tbody tr").count();
    assert.equal(shown, months);
    const meta = await page.locator(".results p.meta").innerText();
    assert.match(meta, new RegExp(`^${months} rows × \\d+ pivot columns \\(${r.body.row_count} result rows\\)`), meta);
    const total = await page.locator(".pivot-totals").innerText();
    const want = Number(r.body.totals["orders.order_count"]);
    assert.ok(want > 0);
    assert.ok(total.replace(/[^0-9]/g, "").endsWith(String(want)), `${total} vs ${want}`);
    await page.screenshot({ path: `${shots}/explore-pivot-totals.png`, fullPage: true });
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

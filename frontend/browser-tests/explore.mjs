// Browser test of the explore page: headless Debian Chromium driven by playwright-core against a
// `boltic serve` that scripts/browser-test.sh started on 127.0.0.1 over a small generated
// warehouse, logged in as the admin. Fails (exit 1) on the first broken expectation; screenshots
// go to target/browser/.
import assert from "node:assert/strict";
import { accounts, apiQuery, base, hasFailed, launch, login, pageErrors, shots, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const rowsText = async () => page.locator("table.data tbody tr").allInnerTexts();
  const waitRows = async (previous) => {
    await page.locator("table.data tbody tr").first().waitFor();
    if (previous) {
      await page.waitForFunction((prev) => {
        const rows = [...document.querySelectorAll("table.data tbody tr")].map((r) => r.innerText);
        return JSON.stringify(rows) !== prev;
      }, JSON.stringify(previous));
    }
    return rowsText();
  };
  const field = (name) => page.locator(`.picker li.field[data-field="${name}"]`);

  await step("log in as the admin", () => login(page, accounts.admin.email, accounts.admin.password));

  await step("the explore page hydrates and lists fields", async () => {
    const started = Date.now();
    await page.goto(`${base}/explore/orders`);
    await field("customers.customer_group_type").waitFor();
    // interactive: a click on a field's add button puts it on a shelf
    await page.locator(".shelf.dimensions").waitFor();
    console.log(`     time to first interactive explore: ${Date.now() - started} ms`);
    assert.ok(await page.locator(".picker h3", { hasText: "customers" }).count() > 0);
  });

  let first;
  await step("drag a dimension and a measure onto the shelves, run, see rows", async () => {
    await field("customers.customer_group_type").dragTo(page.locator(".shelf.dimensions"));
    await field("orders.revenue").dragTo(page.locator(".shelf.measures"));
    await page.locator('.shelf.dimensions .chip[data-field="customers.customer_group_type"]').waitFor();
    await page.locator('.shelf.measures .chip[data-field="orders.revenue"]').waitFor();
    await page.getByRole("button", { name: "Run" }).click();
    first = await waitRows();
    assert.ok(first.length >= 2, `rows: ${first}`);
    const api = await apiQuery({ explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"] });
    assert.equal(first.length, api.length);
    await page.screenshot({ path: `${shots}/explore-results.png`, fullPage: true });
  });

  await step("the chart is drawn", async () => {
    await page.getByRole("tab", { name: "Chart" }).click();
    await page.locator(".chart canvas").first().waitFor();
    assert.equal(await page.locator(".chart-area").getAttribute("data-chart"), "bar");
    const box = await page.locator(".chart canvas").first().boundingBox();
    assert.ok(box.width > 200 && box.height > 200, JSON.stringify(box));
    await page.screenshot({ path: `${shots}/explore-chart.png`, fullPage: true });
    await page.getByRole("tab", { name: "Results" }).click();
  });

  let filtered;
  await step("add a filter (keyboard path) and see the rows change", async () => {
    await page.getByRole("button", { name: "filter on Status" }).click();
    const value = page.getByLabel("value for orders.status");
    await value.fill("Finished");
    await value.press("Enter");
    await page.getByRole("button", { name: "Run" }).press("Enter");
    filtered = await waitRows(first);
    assert.notDeepEqual(filtered, first);
    assert.match(page.url(), /f\.orders\.status=Finished/);
    const api = await apiQuery({ explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"],
                                 filters: { "orders.status": "Finished" } });
    assert.equal(filtered.length, api.length);
    await page.screenshot({ path: `${shots}/explore-filtered.png`, fullPage: true });
  });

  await step("reload the URL and get the same query", async () => {
    const url = page.url();
    assert.ok(url.length < 300, `URL too long to paste: ${url.length} chars`);
    await page.reload();
    const again = await waitRows();
    assert.deepEqual(again, filtered);
    await page.locator('.shelf.filters .chip[data-field="orders.status"]').waitFor();
  });

  await step("back and forward reproduce the queries", async () => {
    await page.goBack();
    assert.deepEqual(await waitRows(filtered), first);
    await page.goForward();
    assert.deepEqual(await waitRows(first), filtered);
  });

  await step("sort by clicking a column header", async () => {
    await page.locator("table.data th button", { hasText: "Revenue" }).click();
    await page.waitForURL(/s=-orders\.revenue/);
    // the last column is revenue: wait until the table shows it descending
    await page.waitForFunction(() => {
      const values = [...document.querySelectorAll("table.data tbody tr td:last-child")]
        .map((td) => Number(td.innerText.replace(/[^0-9.-]/g, "")));
      return values.length > 1 && values.every((v, i) => i === 0 || values[i - 1] >= v);
    });
    assert.match(await page.locator("table.data th").last().innerText(), /▼/);
  });

  await step("errors show in place with their hint", async () => {
    await page.goto(`${base}/explore/orders?d=orders.nope&m=orders.revenue`);
    await page.locator(".error[data-code=unknown_field]").waitFor();
    assert.match(await page.locator(".error").innerText(), /unknown field/);
  });

  assert.deepEqual(errors, [], "page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

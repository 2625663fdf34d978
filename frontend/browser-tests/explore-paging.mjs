// Browser test of an answer longer than the row limit: the explore says the limit cut it, shows
// which rows these are ("Rows 101–200"), pages with Previous / Next (kept in the URL), each page
// equal to the API's rows at that offset; a changed question starts again at its first page; a
// row limit above the server's maximum says to use Next page, not an API parameter.
import assert from "node:assert/strict";
import { accounts, api, base, hasFailed, launch, login, pageErrors, shots, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const question = { explore: "orders", fields: ["orders.order_id", "orders.revenue"], sorts: [{ field: "orders.order_id", desc: false }] };
  const url = `${base}/explore/orders?d=orders.order_id&m=orders.revenue&s=orders.order_id&l=100`;
  const all = await api("POST", "/api/v1/query", { ...question, limit: 50000 });
  assert.equal(all.status, 200, JSON.stringify(all.body));
  const total = all.body.row_count;
  assert.ok(total > 250, `the test data has ${total} orders`);
  // ids as numbers, however the table groups their digits
  const ids = async () => (await page.locator("table.data tbody tr td:first-child").allInnerTexts())
    .map((t) => Number(t.replace(/[^0-9]/g, "")));
  /** The ids the API gives at `offset`. */
  const apiIds = async (offset) => {
    const r = await api("POST", "/api/v1/query", { ...question, limit: 100, offset });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.rows.map((row) => Number(row["orders.order_id"]));
  };
  const waitIds = async (want) => {
    await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll("table.data tbody tr td:first-child")]
      .map((td) => Number(td.innerText.replace(/[^0-9]/g, "")))) === JSON.stringify(want), want);
    assert.deepEqual(await ids(), want);
  };
  const shown = () => page.locator(".pager .rows-shown").innerText();

  await step("log in as the admin", () => login(page, accounts.admin.email, accounts.admin.password));

  await step("a result cut by the row limit says so, and which rows it shows", async () => {
    await page.goto(url);
    await waitIds(await apiIds(0));
    assert.equal(await shown(), "Rows 1–100");
    await page.getByRole("status").filter({ hasText: "row limit cut this answer" }).waitFor();
    assert.equal(await page.getByRole("button", { name: /Previous page/ }).isDisabled(), true);
    assert.equal(await page.getByRole("button", { name: /Next page/ }).isDisabled(), false);
    await page.screenshot({ path: `${shots}/explore-paging-first.png`, fullPage: true });
  });

  await step("Next page shows the API's rows at offset 100, in the URL; Previous goes back", async () => {
    await page.getByRole("button", { name: /Next page/ }).click();
    await page.waitForURL(/[?&]o=100(&|$)/);
    await waitIds(await apiIds(100));
    assert.equal(await shown(), "Rows 101–200");
    await page.getByRole("button", { name: /Next page/ }).click();
    await waitIds(await apiIds(200));
    await page.reload();
    await waitIds(await apiIds(200));
    assert.equal(await shown(), "Rows 201–300");
    await page.getByRole("button", { name: /Previous page/ }).click();
    await waitIds(await apiIds(100));
    await page.goBack();
    await waitIds(await apiIds(200));
  });

  await step("the last page has no Next and no notice", async () => {
    const offset = total - 30;
    await page.goto(`${url}&o=${offset}`);
    await waitIds(await apiIds(offset));
    assert.equal(await shown(), `Rows ${(offset + 1).toLocaleString("en-US")}–${total.toLocaleString("en-US")}`);
    assert.equal(await page.getByRole("button", { name: /Next page/ }).isDisabled(), true);
    assert.equal(await page.getByRole("status").filter({ hasText: "row limit cut this answer" }).count(), 0);
  });

  await step("a changed question starts at its first page", async () => {
    await page.goto(`${url}&o=200`);
    await waitIds(await apiIds(200));
    const limit = page.locator("input.limit");
    await limit.fill("50");
    await limit.dispatchEvent("change");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForFunction(() => document.querySelector(".pager .rows-shown")?.innerText === "Rows 1–50");
    assert.doesNotMatch(page.url(), /[?&]o=/);
    assert.deepEqual(await ids(), (await apiIds(0)).slice(0, 50));
  });

  await step("a row limit above the server's maximum says to use Next page", async () => {
    await page.goto(`${base}/explore/orders?d=orders.order_id&m=orders.revenue&l=60000`);
    const error = page.locator(".error[data-code=row_limit_exceeded]");
    await error.waitFor();
    const text = await error.innerText();
    assert.match(text, /Next page/, text);
    assert.doesNotMatch(text, /'offset'/, text);
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

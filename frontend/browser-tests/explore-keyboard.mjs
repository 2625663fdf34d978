// Browser test of the explore without a mouse: the field list is one tab stop (arrows move in it,
// Right / Left open and close a view's group, Enter adds, F filters), so few Tab presses lead from
// the search box to Run; every shelf move — pivot and back, reorder, sort, remove — has a
// keyboard path. Before, pivots were drag-only and ~150 tab stops stood between search and Run.
import assert from "node:assert/strict";
import { accounts, api, apiQuery, base, hasFailed, launch, login, pageErrors, shots, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const d = await api("GET", "/api/v1/explores/orders");
  assert.equal(d.status, 200);
  const label = (name) => d.body.fields.find((f) => f.name === name).label;
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return { key: e?.getAttribute("data-key"), label: e?.getAttribute("aria-label"), text: e?.innerText?.trim(), tag: e?.tagName };
  });
  const search = page.getByLabel("search fields");
  /** Tab (forwards) until the focused element's accessible label is `name`; returns the presses. */
  const tabTo = async (name, most = 40) => {
    for (let n = 1; n <= most; n++) {
      await page.keyboard.press("Tab");
      const f = await focused();
      if (f.label === name || (f.tag === "BUTTON" && !f.label && f.text === name)) return n;
    }
    throw new Error(`'${name}' not reached with ${most} Tab presses`);
  };
  /** From the search box: Tab into the field tree and arrow down to field `name`, then press `key`. */
  const pick = async (query, name, key = "Enter") => {
    await search.focus();
    await search.fill(query);
    await page.keyboard.press("Tab");
    for (let n = 0; n < 60 && (await focused()).key !== name; n++) await page.keyboard.press("ArrowDown");
    assert.equal((await focused()).key, name, `arrowed to ${name}`);
    await page.keyboard.press(key);
  };
  const chips = (shelf) => page.locator(`.shelf.${shelf} .chip`).evaluateAll((cs) => cs.map((c) => c.dataset.field));
  const waitChips = async (shelf, want) => {
    await page.waitForFunction(([shelf, want]) =>
      JSON.stringify([...document.querySelectorAll(`.shelf.${shelf} .chip`)].map((c) => c.dataset.field)) === JSON.stringify(want),
    [shelf, want]);
  };

  await step("log in as the admin", () => login(page, accounts.admin.email, accounts.admin.password));

  await step("the field list is one tab stop: Tab leaves it for the next control", async () => {
    await page.goto(`${base}/explore/orders`);
    await page.locator(".picker li.field").first().waitFor();
    await search.focus();
    await page.keyboard.press("Tab");
    const first = await focused();
    assert.ok(first.key?.startsWith("view:"), `the tree's first item has the focus: ${JSON.stringify(first)}`);
    await page.keyboard.press("Tab");
    assert.equal((await focused()).key, null, "one Tab leaves the field list");
  });

  await step("arrows open and close a view's group", async () => {
    await search.focus();
    await page.keyboard.press("Tab");
    const group = (await focused()).key;
    const item = page.locator(`.picker [data-key="${group}"]`);
    assert.equal(await item.getAttribute("aria-expanded"), "true");
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction((g) => document.querySelector(`.picker [data-key="${g}"]`).getAttribute("aria-expanded") === "false", group);
    assert.equal(await item.locator("li.field").count(), 0, "a closed group hides its fields");
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction((g) => document.querySelector(`.picker [data-key="${g}"]`).getAttribute("aria-expanded") === "true", group);
    await page.keyboard.press("ArrowRight");
    assert.equal((await focused()).key?.includes("."), true, "Right on an open group goes to its first field");
  });

  await step("add a dimension and a measure with the keyboard, then few Tabs from search to Run", async () => {
    await pick("group type", "customers.customer_group_type");
    await waitChips("dimensions", ["customers.customer_group_type"]);
    await pick("revenue", "orders.revenue");
    await waitChips("measures", ["orders.revenue"]);
    await search.fill("");
    await search.focus();
    const presses = await tabTo("Run", 60);
    console.log(`     Tab presses from the search box to Run: ${presses}`);
    assert.ok(presses <= 14, `${presses} Tab presses from search to Run`);
    await page.keyboard.press("Enter");
    await page.locator("table.data tbody tr").first().waitFor();
    const want = await apiQuery({ explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"] });
    assert.equal(await page.locator("table.data tbody tr").count(), want.length);
  });

  await step("pivot a dimension and move it back, from the keyboard", async () => {
    const group = label("customers.customer_group_type");
    await search.focus();
    await tabTo(`pivot on ${group}`);
    await page.keyboard.press("Enter");
    await waitChips("pivots", ["customers.customer_group_type"]);
    await waitChips("dimensions", []);
    await page.keyboard.press("Control+Enter");
    await page.locator("table.data.pivoted").waitFor();
    assert.match(page.url(), /p=customers\.customer_group_type/);
    await search.focus();
    await tabTo(`move ${group} back to dimensions`);
    await page.keyboard.press("Enter");
    await waitChips("dimensions", ["customers.customer_group_type"]);
    await waitChips("pivots", []);
    await page.screenshot({ path: `${shots}/explore-keyboard-unpivot.png`, fullPage: true });
  });

  await step("add a second dimension, reorder it, sort a measure, remove a field, filter with F", async () => {
    const status = label("orders.status");
    await pick("status", "orders.status");
    await waitChips("dimensions", ["customers.customer_group_type", "orders.status"]);
    await search.focus();
    await tabTo(`move ${status} earlier`);
    await page.keyboard.press("Enter");
    await waitChips("dimensions", ["orders.status", "customers.customer_group_type"]);
    await search.focus();
    await tabTo(`sort by ${label("orders.revenue")}`);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+Enter");
    await page.waitForURL(/d=orders\.status,customers\.customer_group_type.*s=-orders\.revenue/);
    const want = await apiQuery({ explore: "orders", fields: ["orders.status", "customers.customer_group_type", "orders.revenue"],
                                  sorts: [{ field: "orders.revenue", desc: true }] });
    await page.waitForFunction((n) => document.querySelectorAll("table.data tbody tr").length === n, want.length);
    const firstRow = await page.locator("table.data tbody tr").first().locator("td").allInnerTexts();
    assert.deepEqual(firstRow.slice(0, 2), [want[0]["orders.status"], want[0]["customers.customer_group_type"]]);
    await search.focus();
    await tabTo(`remove ${status}`);
    await page.keyboard.press("Enter");
    await waitChips("dimensions", ["customers.customer_group_type"]);
    await pick("status", "orders.status", "f");
    await waitChips("filters", ["orders.status"]);
    assert.deepEqual(await chips("dimensions"), ["customers.customer_group_type"], "F filters, it does not add a dimension");
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

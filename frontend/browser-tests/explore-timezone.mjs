// Browser test of the explore's time zone: the select starts at the explore's default (the
// model's, from the API), a chosen zone is kept in the URL and sent with the query, and a
// day-of-week breakdown then equals the API's for the same query with that `timezone` (and
// differs from the default's). The select lists the browser's zones once the page is idle (at
// once where there is no idle callback).
import assert from "node:assert/strict";
import { accounts, api, base, hasFailed, launch, login, pageErrors, shots, step } from "./support/harness.mjs";

const zone = "Pacific/Kiritimati"; // UTC+14: most days of week change
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const fields = ["trips.start_day_of_week", "orders.order_count"];
  /** {day: count} of the API's answer in `timezone` (the default without). */
  const byDay = async (timezone) => {
    const r = await api("POST", "/api/v1/query", { explore: "orders", fields, ...(timezone ? { timezone } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return Object.fromEntries(r.body.rows.map((row) => [String(row["trips.start_day_of_week"]), Number(row["orders.order_count"])]));
  };
  /** {day: count} as the table shows it. */
  const shownByDay = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll("table.data tbody tr")]
    .map((tr) => [tr.cells[0].innerText, Number(tr.cells[1].innerText.replace(/[^0-9]/g, ""))])));
  const waitTable = (want) => page.waitForFunction((want) => {
    const got = Object.fromEntries([...document.querySelectorAll("table.data tbody tr")]
      .map((tr) => [tr.cells[0].innerText, Number(tr.cells[1].innerText.replace(/[^0-9]/g, ""))]));
    return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort());
  }, want);
  const select = page.getByLabel("Time zone");

  await step("log in as the admin", () => login(page, accounts.admin.email, accounts.admin.password));

  let utc;
  await step("the explore's default time zone comes from the API, and the answer is the API's", async () => {
    const d = await api("GET", "/api/v1/explores/orders");
    assert.equal(d.body.timezone, "UTC");
    await page.goto(`${base}/explore/orders?d=${fields[0]}&m=${fields[1]}`);
    utc = await byDay();
    await waitTable(utc);
    assert.equal(await select.inputValue(), "");
    assert.match(await select.locator("option:checked").innerText(), /UTC/);
  });

  await step(`choosing ${zone} changes the day-of-week counts as the API does with that timezone`, async () => {
    const there = await byDay(zone);
    assert.notDeepEqual(there, utc, "the zone changes the breakdown");
    await select.selectOption(zone);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/[?&]z=Pacific%2FKiritimati/);
    await waitTable(there);
    assert.deepEqual(await shownByDay(), there);
    await page.screenshot({ path: `${shots}/explore-timezone.png`, fullPage: true });
    await page.reload();
    await waitTable(there);
    assert.equal(await select.inputValue(), zone);
    // the browser's zones are listed once the page is idle (not while it is drawn); the chosen
    // one stays chosen
    const known = await page.evaluate(() => Intl.supportedValuesOf("timeZone").length);
    assert.ok(known > 100, `the browser knows ${known} zones`);
    await page.waitForFunction((n) => document.querySelectorAll("select.timezone option").length > n, known);
    assert.equal(await select.inputValue(), zone);
  });

  await step("back to the explore's default", async () => {
    await select.selectOption("");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await waitTable(utc);
    assert.doesNotMatch(page.url(), /[?&]z=/);
  });

  await step("without requestIdleCallback (Safari) the zones are listed all the same", async () => {
    const other = await context.newPage();
    const otherErrors = pageErrors(other);
    await other.addInitScript(() => { delete window.requestIdleCallback; });
    await other.goto(`${base}/explore/orders`);
    assert.equal(await other.evaluate(() => "requestIdleCallback" in window), false);
    const known = await other.evaluate(() => Intl.supportedValuesOf("timeZone").length);
    await other.waitForFunction((n) => document.querySelectorAll("select.timezone option").length > n, known);
    assert.deepEqual(otherErrors, []);
    await other.close();
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

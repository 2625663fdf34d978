// Browser test of time travel on a dashboard: after a second pipeline run changes the numbers,
// the "Data" select runs every tile on the earlier warehouse version (the URL keeps it, a notice
// says so), the tiles show the numbers that version had (the API's `as_of` answer), and "Show
// the latest data" goes back. The warehouse's data is put back as it was at the end. Logged in
// as the admin. Screenshots go to target/browser/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { accounts, api, base, hasFailed, launch, login, pageErrors, shots, shown, step } from "./support/harness.mjs";

const boltic = process.env.BOLTIC_BIN;
const dir = process.env.BOLTIC_DIR;
assert.ok(boltic && dir, "scripts/browser-test.sh sets BOLTIC_BIN and BOLTIC_DIR");
const publish = async (raw) => {
  execFileSync(boltic, ["--quiet", "pipeline", "run", "--force", "--raw", raw, "--warehouse", `${dir}/wh`,
                        "--project", "demo/air_boltic"]);
  const reloaded = await api("POST", "/api/v1/admin/reload");
  assert.equal(reloaded.status, 200, JSON.stringify(reloaded.body));
};
const orderCount = async (asOf) => {
  const r = await api("POST", `/api/v1/query${asOf ? `?as_of=${asOf}` : ""}`,
                      { explore: "orders", fields: ["orders.order_count"] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.rows[0]["orders.order_count"];
};

const browser = await launch();
try {
  let earlier, before, after;
  await step("a second run publishes other numbers; the earlier version stays listed", async () => {
    before = await orderCount();
    execFileSync(boltic, ["--quiet", "generate", "--orders", "6000", "--seed", "8", "--last-day", "2024-12-30",
                          "--out", `${dir}/raw-later`]);
    await publish(`${dir}/raw-later`);
    after = await orderCount();
    assert.notEqual(after, before);
    const versions = (await api("GET", "/api/v1/warehouse/versions")).body.versions;
    assert.ok(versions.length >= 2, JSON.stringify(versions));
    assert.ok(versions[0].current);
    earlier = versions[1].version;
    assert.equal(await orderCount(earlier), before);
  });

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  await step("log in as the admin", () => login(page, accounts.admin.email, accounts.admin.password));
  const count = page.locator('.tile[data-tile="order_count"] .tile-result');
  const showsCount = (n) => page.waitForFunction(
    (want) => document.querySelector('.tile[data-tile="order_count"] .tile-result')?.innerText.includes(want), shown(n));

  await step("the dashboard shows the latest numbers", async () => {
    await page.goto(`${base}/dashboards/revenue_overview`);
    await count.waitFor();
    await showsCount(after);
    assert.equal(await page.locator(".notice.as-of").count(), 0);
  });

  await step("picking an earlier version runs every tile on it, and the URL keeps it", async () => {
    const select = page.getByLabel("warehouse version");
    await select.locator(`option[value="${earlier}"]`).waitFor({ state: "attached" });
    await select.selectOption(earlier);
    await showsCount(before);
    assert.match(page.url(), new RegExp(`as_of=${earlier}`));
    await page.locator(".notice.as-of").waitFor();
    assert.match(await page.locator(".notice.as-of").innerText(), new RegExp(earlier));
    const ran = page.locator('.tile[data-tile="order_count"] .ran');
    assert.match(await ran.getAttribute("title"), new RegExp(`version ${earlier}`));
    await page.screenshot({ path: `${shots}/dashboard-as-of.png`, fullPage: true });
    await page.reload();
    await count.waitFor();
    await showsCount(before);
    assert.equal(await page.getByLabel("warehouse version").inputValue(), earlier);
  });

  await step("'Show the latest data' goes back", async () => {
    await page.getByRole("button", { name: "Show the latest data" }).click();
    await showsCount(after);
    assert.doesNotMatch(page.url(), /as_of=/);
    assert.equal(await page.locator(".notice.as-of").count(), 0);
  });

  await step("no page errors", () => assert.deepEqual(errors, []));
} finally {
  // the tests after this one read the first data set again
  await publish(`${dir}/raw`).catch((e) => console.error(`could not put the warehouse back: ${e}`));
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

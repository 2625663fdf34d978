// Browser test of hydration when a page's own modules arrive late. Each page is a lazy route
// (scripts/build-frontend.sh splits the wasm per page). The server renders a page without knowing
// the caller; the browser loads the page's code first and then hydrates it synchronously
// (vendor/README.md), asking `/api/v1/me` only while it hydrates, so it hydrates what the server
// sent and then shows what the caller may see. (When hydration started before the page's code
// was there, `/me` could answer first, and the admin page stayed empty now and then.) Here every
// page module is held back 300 ms: each page must still come up whole, and `/me` must be asked
// only after the page's modules were let through.
import assert from "node:assert/strict";
import { adminContext, api, apiQuery, base, hasFailed, launch, pageErrors, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await adminContext(browser, { viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const pageModule = /\/pkg\/(?!boltic_bg)[^/]+\.wasm$/;
  let letThrough = 0;
  await page.route(pageModule, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    letThrough++;
    await route.continue();
  });
  const open = async (path) => {
    letThrough = 0;
    let beforeMe;
    const meAsked = page.waitForRequest((r) => {
      if (new URL(r.url()).pathname !== "/api/v1/me") return false;
      beforeMe = letThrough;
      return true;
    });
    await page.goto(`${base}${path}`);
    await meAsked;
    assert.ok(beforeMe > 0, `${path} asked /me before its page's modules were there`);
  };
  const query = "d=customers.customer_group_type&m=orders.revenue";
  const rows = await apiQuery({ explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"] });
  const dashboards = (await api("GET", "/api/v1/dashboards")).body;

  await step("the admin page shows the users and the audit log", async () => {
    await open("/admin");
    await page.locator("table.users tbody tr").first().waitFor();
    await page.locator("section.audit table, section.audit p.muted").first().waitFor();
    await page.locator(`table.users tr[data-user="${process.env.BOLTIC_ADMIN_EMAIL}"]`).waitFor();
  });

  await step("the account page shows who is logged in", async () => {
    await open("/account");
    await page.locator("dl.me dd", { hasText: process.env.BOLTIC_ADMIN_EMAIL }).waitFor();
  });

  await step("an explore shows its rows and what an admin may do", async () => {
    await open(`/explore/orders?${query}`);
    await page.locator("table.data tbody tr").first().waitFor();
    assert.equal(await page.locator("table.data tbody tr").count(), rows.length);
    await page.getByRole("tab", { name: "SQL" }).waitFor();
    await page.getByRole("button", { name: /save to dashboard/i }).waitFor();
  });

  await step("the dashboard list offers a new dashboard", async () => {
    await open("/dashboards");
    await page.locator("ul.dashboards li a").first().waitFor();
    await page.locator("form.new-dashboard").waitFor();
  });

  await step("a dashboard draws its tiles", async () => {
    const name = dashboards[0].name;
    await open(`/dashboards/${encodeURIComponent(name)}`);
    await page.locator(".tile").first().waitFor();
  });

  await step("no errors in the page", async () => assert.deepEqual(errors, []));
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

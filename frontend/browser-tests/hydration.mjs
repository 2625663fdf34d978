// Browser test of hydration when a page's own modules arrive late. Each page is a lazy route
// (scripts/build-frontend.sh splits the wasm per page): the main module asks `/api/v1/me` at once,
// while the page's modules may still be on their way. The server rendered the page without
// knowing the caller, so the browser must hydrate it the same way even when `/me` has already
// answered, then show what the caller may see. Here every page module is held back until the
// browser has `/me`'s answer: the order that made the admin page stay empty now and then.
import assert from "node:assert/strict";
import { adminContext, api, apiQuery, base, hasFailed, launch, pageErrors, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await adminContext(browser, { viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  let meAnswered;
  await page.route(/\/pkg\/(?!boltic_bg)[^/]+\.wasm$/, async (route) => {
    await meAnswered;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await route.continue();
  });
  const open = async (path) => {
    let heldBack = 0;
    const counting = (r) => { if (/\/pkg\/(?!boltic_bg)[^/]+\.wasm$/.test(r.url())) heldBack++; };
    page.on("request", counting);
    meAnswered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/me");
    await page.goto(`${base}${path}`);
    await meAnswered;
    page.off("request", counting);
    assert.ok(heldBack > 0, `${path} fetched page modules after /me answered`);
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

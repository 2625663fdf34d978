// Browser test of hydration when a page's own modules arrive late. Each page is a lazy route
// (scripts/build-frontend.sh splits the wasm per page). The server renders a page without knowing
// the caller; the browser loads the page's code first and then hydrates it synchronously
// (vendor/README.md); the app's request for `/api/v1/me` is answered only after that. (When
// hydration started before the page's code was there, `/me` could answer first, and the admin
// page stayed empty now and then.) The page's HTML preloads `/me` (and an explore page its
// explore), so the answer is there long before the page's code: here every page module is held
// back 300 ms, `/me` must have been asked before any of them was let through, once only (the app
// takes the preloaded answer), and each page must still come up whole. A page whose own code
// cannot be fetched at all says that it stopped (Leptos' lazy routes panic then).
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
  // the API paths asked while a page opens, and how many page modules were let through before
  // each was first asked
  let asked;
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (!asked || !path.startsWith("/api/")) return;
    const seen = asked.get(path) ?? { times: 0, modulesBefore: letThrough };
    seen.times++;
    asked.set(path, seen);
  });
  const open = async (path) => {
    letThrough = 0;
    asked = new Map();
    await page.goto(`${base}${path}`);
  };
  /** `preloaded` (the page's first API answers) were each asked once, before any page module. */
  const askedOnceEarly = (preloaded) => {
    for (const p of preloaded) {
      const seen = asked.get(p);
      assert.ok(seen, `${p} was asked`);
      assert.equal(seen.times, 1, `${p} asked once (the app took the preloaded answer)`);
      assert.equal(seen.modulesBefore, 0, `${p} asked from the HTML, before the page's modules`);
    }
  };
  const query = "d=customers.customer_group_type&m=orders.revenue";
  const rows = await apiQuery({ explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"] });
  const dashboards = (await api("GET", "/api/v1/dashboards")).body;

  await step("the admin page shows the users and the audit log", async () => {
    await open("/admin");
    await page.locator("table.users tbody tr").first().waitFor();
    await page.locator("section.audit table, section.audit p.muted").first().waitFor();
    await page.locator(`table.users tr[data-user="${process.env.BOLTIC_ADMIN_EMAIL}"]`).waitFor();
    askedOnceEarly(["/api/v1/me"]);
  });

  await step("the account page shows who is logged in", async () => {
    await open("/account");
    await page.locator("dl.me dd", { hasText: process.env.BOLTIC_ADMIN_EMAIL }).waitFor();
    askedOnceEarly(["/api/v1/me"]);
  });

  await step("an explore shows its rows and what an admin may do", async () => {
    await open(`/explore/orders?${query}`);
    await page.locator("table.data tbody tr").first().waitFor();
    assert.equal(await page.locator("table.data tbody tr").count(), rows.length);
    await page.getByRole("tab", { name: "SQL" }).waitFor();
    await page.getByRole("button", { name: /save to dashboard/i }).waitFor();
    askedOnceEarly(["/api/v1/me", "/api/v1/explores/orders"]);
  });

  await step("the dashboard list offers a new dashboard", async () => {
    await open("/dashboards");
    await page.locator("ul.dashboards li a").first().waitFor();
    await page.locator("form.new-dashboard").waitFor();
    askedOnceEarly(["/api/v1/me"]);
  });

  await step("a dashboard draws its tiles", async () => {
    const name = dashboards[0].name;
    await open(`/dashboards/${encodeURIComponent(name)}`);
    await page.locator(".tile").first().waitFor();
    askedOnceEarly(["/api/v1/me"]);
  });

  await step("a page whose own code cannot be fetched says it stopped; reloaded, it works", async () => {
    const broken = await context.newPage();
    const thrown = [];
    broken.on("pageerror", (e) => thrown.push(String(e)));
    const explorePage = /\/pkg\/split___explore_route_view_[0-9]+\.wasm$/;
    await broken.route(explorePage, (route) => route.abort());
    await broken.goto(`${base}/explore/orders`);
    const note = broken.locator("#stopped[role=alert]");
    await note.waitFor();
    assert.match(await note.innerText(), /stopped working.*Reload the page/s);
    assert.ok(thrown.some((e) => /RuntimeError/.test(e)), `the app's trap: ${thrown}`);
    await broken.unroute(explorePage);
    await broken.reload();
    await broken.locator(".picker li.field button.add").first().waitFor();
    assert.equal(await broken.locator("#stopped").count(), 0);
    await broken.close();
  });

  await step("no errors in the page", async () => assert.deepEqual(errors, []));
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

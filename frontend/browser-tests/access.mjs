// Browser test of accounts and access: the login wall; the admin adding a viewer on /admin and
// making, using and revoking an API key on /account; the viewer seeing only the rows their
// attribute allows (explore and dashboard) and no SQL; an editor sharing a dashboard with a
// filter locked (the link shows the editor's rows with that filter, which its visitor cannot
// change); logging out. Screenshots go to target/browser/.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { accounts, api, base, hasFailed, launch, login, shots, shown, step } from "./support/harness.mjs";

const { admin, editor } = accounts;
const viewer = { email: "viewer@example.com",
                 password: process.env.BOLTIC_VIEWER_PASSWORD ?? randomBytes(12).toString("base64url") };
const company = { "customers.customer_group_type": "Company" };
const byGroup = ["customers.customer_group_type", "orders.revenue"];

/** The admin API's answer to `query`: rows and the value format of `measure`. */
const answer = async (query, measure) => {
  const r = await api("POST", "/api/v1/query", query);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { rows: r.body.rows, format: r.body.fields.find((f) => f.name === measure).value_format };
};

/** The path of `page`'s URL. */
const pathOf = (page) => new URL(page.url()).pathname;

/** `fetch` from inside `page` (its cookies, same origin): {status, body}. */
const fetchIn = (page, method, path, body) => page.evaluate(async ([method, path, body]) => {
  const r = await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: body && JSON.stringify(body) });
  return { status: r.status, body: await r.text() };
}, [method, path, body]);

const browser = await launch();
const errors = [];
const fresh = async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  return { context, page };
};
try {
  const { page } = await fresh();

  await step("without a session, / lands on the login page; a wrong password is refused", async () => {
    await page.goto(`${base}/`);
    assert.equal(pathOf(page), "/login");
    assert.equal(new URL(page.url()).searchParams.get("next"), "/");
    assert.equal((await api("GET", "/api/v1/me", undefined, null)).status, 401);
    await page.getByLabel("Email", { exact: true }).fill(admin.email);
    await page.getByLabel("Password", { exact: true }).fill("not the password at all");
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === "/login" && r.request().method() === "POST"),
      page.getByRole("button", { name: "Log in" }).click(),
    ]);
    assert.equal(response.status(), 401);
    assert.match(await page.getByRole("alert").innerText(), /wrong email or password/);
    assert.equal(pathOf(page), "/login");
    await page.screenshot({ path: `${shots}/login-refused.png` });
  });

  await step("the admin logs in and adds a viewer on /admin", async () => {
    await login(page, admin.email, admin.password);
    const bar = page.locator(".topbar .account");
    await bar.locator(".user").waitFor();
    assert.match(await bar.innerText(), new RegExp(`${admin.email}[\\s\\S]*admin`));
    await page.locator('nav[aria-label="main"]').getByRole("link", { name: "Admin" }).click();
    await page.waitForURL(/\/admin$/);
    await page.locator(`table.users tr[data-user="${admin.email}"]`).waitFor();
    const form = page.getByRole("form", { name: "new user" });
    // a refused user shows the server's error in place
    await form.getByLabel("Email", { exact: true }).fill("short@example.com");
    await form.getByLabel("Password", { exact: true }).fill("short");
    await form.getByRole("button", { name: "Add user" }).click();
    await form.locator(".error").waitFor();
    await form.getByLabel("Email", { exact: true }).fill(viewer.email);
    await form.getByLabel("Name", { exact: true }).fill("Vera Viewer");
    await form.getByLabel("Role", { exact: true }).selectOption("viewer");
    await form.getByLabel("Password", { exact: true }).fill(viewer.password);
    await form.getByLabel("Attributes", { exact: true }).fill("group_type=Company");
    await form.getByRole("button", { name: "Add user" }).click();
    const row = page.locator(`table.users tr[data-user="${viewer.email}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-role"), "viewer");
    assert.equal(await row.locator("td.attributes").innerText(), "group_type=Company");
    assert.equal(await row.locator("td.has-password").innerText(), "yes");
    assert.equal(await row.locator("td.disabled").innerText(), "no");
    await page.locator('.audit-log tr[data-action="user_added"]').first().waitFor();
    await page.screenshot({ path: `${shots}/admin.png`, fullPage: true });
  });

  await step("the admin makes an API key on /account, uses it, and revokes it", async () => {
    await page.locator(".topbar").getByRole("link", { name: "API keys" }).click();
    await page.waitForURL(/\/account$/);
    const form = page.getByRole("form", { name: "new API key" });
    await form.getByLabel("Name", { exact: true }).fill("browser key");
    await form.getByLabel("Expires in (days)").fill("7");
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = await page.locator("#key-secret").inputValue();
    assert.match(secret, /^bk_/);
    assert.match(await page.locator(".key-secret").innerText(), /shown once/);
    const me = await api("GET", "/api/v1/me", undefined, secret);
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.email, admin.email);
    assert.equal(me.body.via, "key");
    const row = page.locator(".keys tr[data-status=active]", { hasText: "browser key" });
    await row.waitFor();
    await page.screenshot({ path: `${shots}/account.png`, fullPage: true });
    await row.getByRole("button", { name: "revoke key browser key" }).click();
    await page.locator(".keys tr[data-status=revoked]", { hasText: "browser key" }).waitFor();
    assert.equal((await api("GET", "/api/v1/me", undefined, secret)).status, 401);
  });

  const { context: viewerContext, page: v } = await fresh();
  const sqlRequests = [];
  v.on("request", (r) => { if (new URL(r.url()).pathname === "/api/v1/sql") sqlRequests.push(r.url()); });

  await step("the viewer sees only Company rows in an explore, and no SQL", async () => {
    await login(v, viewer.email, viewer.password);
    await v.locator(".topbar .account .user").waitFor();
    assert.match(await v.locator(".topbar .account").innerText(), /viewer@example\.com[\s\S]*viewer/);
    assert.equal(await v.locator('nav[aria-label="main"]').getByRole("link", { name: "Admin" }).count(), 0);
    await v.goto(`${base}/explore/orders?d=customers.customer_group_type&m=orders.revenue`);
    await v.locator("table.data tbody tr").first().waitFor();
    const rows = await v.locator("table.data tbody tr").allInnerTexts();
    const expected = await answer({ explore: "orders", fields: byGroup, filters: company }, "orders.revenue");
    const everyone = await answer({ explore: "orders", fields: byGroup }, "orders.revenue");
    assert.ok(everyone.rows.length > expected.rows.length, "the admin sees more groups than the viewer");
    assert.equal(rows.length, expected.rows.length, `rows: ${rows}`);
    for (const [i, r] of expected.rows.entries()) {
      assert.match(rows[i], /^Company/);
      assert.ok(rows[i].includes(shown(r["orders.revenue"], expected.format)), `${rows[i]} vs ${JSON.stringify(r)}`);
    }
    assert.equal(await v.getByRole("tab", { name: "SQL" }).count(), 0, "no SQL tab for a viewer");
    assert.equal(await v.getByRole("button", { name: "Save to dashboard" }).count(), 0);
    await v.screenshot({ path: `${shots}/viewer-explore.png`, fullPage: true });
    assert.deepEqual(sqlRequests, [], "the app asked for SQL for a viewer");
    const sql = await fetchIn(v, "POST", "/api/v1/sql", { explore: "orders", fields: ["orders.revenue"] });
    assert.equal(sql.status, 403, sql.body);
    await v.goto(`${base}/admin`);
    await v.getByText(/only admins can manage users/i).waitFor();
  });

  await step("the viewer's dashboard tiles show only Company numbers", async () => {
    await v.goto(`${base}/dashboards/revenue_overview`);
    const total = v.locator('.tile[data-tile="total_revenue"] .tile-result .single-value .value');
    await total.waitFor();
    const expected = await answer({ explore: "orders", fields: ["orders.revenue"], filters: company }, "orders.revenue");
    const everyone = await answer({ explore: "orders", fields: ["orders.revenue"] }, "orders.revenue");
    const value = await total.innerText();
    assert.equal(value, shown(expected.rows[0]["orders.revenue"], expected.format));
    assert.notEqual(value, shown(everyone.rows[0]["orders.revenue"], everyone.format));
    assert.equal(await v.getByRole("button", { name: "Share" }).count(), 0);
    assert.equal(await v.getByRole("button", { name: "Edit" }).count(), 0);
    await v.goto(`${base}/dashboards`);
    await v.locator(".dashboards li").first().waitFor();
    assert.equal(await v.getByLabel("new dashboard title").count(), 0, "a viewer cannot make dashboards");
    await v.screenshot({ path: `${shots}/viewer-dashboard.png`, fullPage: true });
  });
  await viewerContext.close();

  const { page: e } = await fresh();
  let board;
  let shareUrl;
  const byStatus = ["orders.status", "orders.revenue"];
  const finished = { ...company, "orders.status": "Finished" };
  await step("an editor makes a dashboard, filters it and shares it with the filter locked", async () => {
    await login(e, editor.email, editor.password);
    await e.goto(`${base}/explore/orders?d=orders.status&m=orders.revenue`);
    await e.locator("table.data tbody tr").first().waitFor();
    const mine = await answer({ explore: "orders", fields: byStatus, filters: company }, "orders.revenue");
    assert.equal(await e.locator("table.data tbody tr").count(), mine.rows.length, "the editor sees Company rows only");
    await e.getByLabel("chart type", { exact: true }).selectOption("table");
    await e.getByRole("button", { name: "Save to dashboard" }).click();
    await e.getByLabel("tile title").fill("Revenue by status");
    await e.getByLabel("new dashboard title").fill("Editor board");
    await e.getByRole("button", { name: "Save", exact: true }).click();
    board = await e.locator(".saved a").getAttribute("href");
    await e.goto(`${base}${board}`);
    const tile = e.locator('.tile[data-tile="tile-1"] .tile-result');
    await tile.waitFor();
    await e.getByRole("button", { name: "Edit" }).click();
    const add = e.getByLabel("add a dashboard filter");
    await add.locator('option[value="orders.status"]').waitFor({ state: "attached" });
    await add.selectOption("orders.status");
    const input = e.locator('.dash-filter[data-filter="orders.status"] input');
    await input.fill("Finished");
    await input.press("Enter");
    await e.waitForFunction(() => document.querySelector('.tile[data-tile="tile-1"] .tile-result')?.getAttribute("data-rows") === "1");
    await e.getByRole("button", { name: "Done editing" }).click();
    await e.getByRole("button", { name: "Share" }).click();
    const lock = e.getByLabel("Lock current filter values");
    assert.ok(await lock.isChecked(), "locking is the default when a filter has a value");
    assert.match(await e.locator(".share-panel .locked-list").innerText(), /Finished/);
    await e.getByRole("button", { name: "Create link" }).click();
    shareUrl = await e.getByLabel("share link", { exact: true }).inputValue();
    assert.match(shareUrl, /\/s\/[A-Za-z0-9_-]{43}$/);
    const link = e.locator(".share-panel tr[data-status=active]");
    await link.waitFor();
    assert.equal(await link.locator("td.locked").innerText(), "orders.status = Finished");
    assert.equal(await link.locator("td.created-by").innerText(), editor.email);
    await e.screenshot({ path: `${shots}/editor-share.png`, fullPage: true });
  });

  await step("the link shows the editor's numbers with the locked filter, which cannot be changed", async () => {
    const { context: visitor, page: s } = await fresh();
    // a visitor's own filter value in the URL does not override the lock
    await s.goto(`${shareUrl}?f.orders.status=Cancelled`);
    const tile = s.locator('.tile[data-tile="tile-1"] .tile-result');
    await tile.waitFor();
    const expected = await answer({ explore: "orders", fields: byStatus, filters: finished }, "orders.revenue");
    assert.equal(expected.rows.length, 1);
    assert.equal(await tile.getAttribute("data-rows"), "1");
    const text = await tile.innerText();
    assert.ok(text.includes("Finished") && text.includes(shown(expected.rows[0]["orders.revenue"], expected.format)),
              `${text} vs ${JSON.stringify(expected.rows)}`);
    const input = s.locator('.dash-filter[data-filter="orders.status"] input');
    assert.ok(await input.isDisabled(), "the locked filter's input is disabled");
    assert.equal(await input.inputValue(), "Finished");
    assert.equal(await input.getAttribute("title"), "locked by the link");
    await s.locator('.dash-filter[data-filter="orders.status"]').getByText("locked by the link").waitFor();
    // the server keeps the lock whatever a visitor sends
    const token = shareUrl.split("/s/")[1];
    const name = board.split("/").pop();
    const forced = await api("POST", `/api/v1/dashboards/${name}/tiles/tile-1/query`, { filters: { "orders.status": "Cancelled" } }, token);
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.deepEqual(forced.body.rows, expected.rows);
    assert.equal(forced.body.sql, undefined, "a share link's visitor gets no SQL");
    await s.screenshot({ path: `${shots}/shared-locked.png`, fullPage: true });
    await visitor.close();
  });

  await step("logging out returns to the login page, and / needs a login again", async () => {
    await e.goto(`${base}/dashboards`);
    const session = (await e.context().cookies()).find((c) => c.name === "boltic_session");
    assert.ok(session, "a logged-in browser holds the session cookie");
    await e.getByRole("button", { name: "Log out" }).click();
    await e.waitForURL((url) => url.pathname === "/login");
    // (the login page's CSP allows no fetch: ask with the browser context's cookies instead)
    assert.equal((await e.context().request.get(`${base}/api/v1/me`)).status(), 401);
    // the session ended on the server, not only in this browser
    const replayed = await fetch(`${base}/api/v1/me`, { headers: { Cookie: `boltic_session=${session.value}` } });
    assert.equal(replayed.status, 401);
    await e.goto(`${base}/`);
    assert.equal(pathOf(e), "/login");
  });

  assert.deepEqual(errors, [], "page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

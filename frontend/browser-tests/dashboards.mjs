// Browser test of dashboards and share links: save explores as tiles of a new dashboard, filter
// every tile at once, move and resize tiles, share a read-only link, open it without logging in,
// see its token refused elsewhere, revoke it; and check the demo dashboards show the numbers
// the JSON API gives for the same questions. Logged in as the admin. Screenshots go to
// target/browser/.
import assert from "node:assert/strict";
import { accounts, api, apiQuery, base, hasFailed, launch, login, pageErrors, shots, shown, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = pageErrors(page);
  await step("log in as the admin", () => login(page, accounts.admin.email, accounts.admin.password));
  const tileText = (name) => page.locator(`.tile[data-tile="${name}"] .tile-result`).innerText();

  // Save the explore at `query` (a URL query string) as a table tile.
  const saveTile = async (query, tileTitle, dashboard) => {
    await page.goto(`${base}/explore/orders?${query}`);
    await page.locator("table.data tbody tr").first().waitFor();
    await page.getByLabel("chart type", { exact: true }).selectOption("table");
    await page.getByRole("button", { name: "Save to dashboard" }).click();
    await page.getByLabel("tile title").fill(tileTitle);
    if (dashboard.existing) {
      await page.getByLabel("dashboard", { exact: true }).locator("option", { hasText: dashboard.title }).waitFor({ state: "attached" });
      await page.getByLabel("dashboard", { exact: true }).selectOption({ label: dashboard.title });
    } else {
      await page.getByLabel("new dashboard title").fill(dashboard.title);
    }
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const link = page.locator(".saved a");
    await link.waitFor();
    return link.getAttribute("href");
  };

  let board;
  await step("save an explore to a new dashboard, and another to the same one", async () => {
    board = await saveTile("d=customers.customer_group_type&m=orders.revenue", "Revenue by group",
                           { title: "Browser board" });
    assert.match(board, /^\/dashboards\/browser-board-[a-z0-9]{4}$/);
    const again = await saveTile("d=orders.status&m=orders.order_count", "Orders by status",
                                 { title: "Browser board", existing: true });
    assert.equal(again, board);
  });

  let before;
  await step("the dashboard shows both tiles with the API's rows", async () => {
    const started = Date.now();
    await page.goto(`${base}${board}`);
    await page.locator('.tile[data-tile="tile-2"] .tile-result').waitFor();
    await page.locator('.tile[data-tile="tile-1"] .tile-result').waitFor();
    console.log(`     dashboard with two tiles drawn in ${Date.now() - started} ms`);
    const rows = await apiQuery({ explore: "orders", fields: ["orders.status", "orders.order_count"] });
    assert.equal(await page.locator('.tile[data-tile="tile-2"] .tile-result').getAttribute("data-rows"), String(rows.length));
    for (const r of rows) assert.ok((await tileText("tile-2")).includes(shown(r["orders.order_count"])), JSON.stringify(r));
    before = [await tileText("tile-1"), await tileText("tile-2")];
    await page.screenshot({ path: `${shots}/dashboard.png`, fullPage: true });
  });

  await step("a dashboard filter changes every tile", async () => {
    await page.getByRole("button", { name: "Edit" }).click();
    const add = page.getByLabel("add a dashboard filter");
    await add.locator('option[value="orders.status"]').waitFor({ state: "attached" });
    await add.selectOption("orders.status");
    const input = page.locator('.dash-filter[data-filter="orders.status"] input');
    await input.fill("Finished");
    await input.press("Enter");
    await page.waitForFunction((prev) => {
      const text = (n) => document.querySelector(`.tile[data-tile="${n}"] .tile-result`)?.innerText;
      return text("tile-1") !== prev[0] && text("tile-2") !== prev[1];
    }, before);
    assert.match(page.url(), /f\.orders\.status=Finished/);
    const byGroup = await apiQuery({ explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"],
                                     filters: { "orders.status": "Finished" } });
    const text = await tileText("tile-1");
    for (const r of byGroup) assert.ok(text.includes(shown(r["orders.revenue"], "#,##0.00")), `${JSON.stringify(r)} in ${text}`);
    assert.equal(await page.locator('.tile[data-tile="tile-2"] .tile-result').getAttribute("data-rows"), "1");
    await page.screenshot({ path: `${shots}/dashboard-filtered.png`, fullPage: true });
  });

  await step("move and resize tiles (buttons and pointer), kept after a reload", async () => {
    const name = board.split("/").pop();
    const layout = async (tile) => (await api("GET", `/api/v1/dashboards/${name}`)).body.tiles.find((t) => t.name === tile).layout;
    const tile1 = page.locator('.tile[data-tile="tile-1"]');
    await tile1.getByRole("button", { name: "wider" }).click();
    // tile-1 now covers columns 0..6: tile-2 is pushed below it
    await page.waitForFunction(() => document.querySelector('.tile[data-tile="tile-2"]').getAttribute("style").includes("--row:5"));
    const handle = page.locator('.tile[data-tile="tile-2"] .resize-handle');
    const box = await handle.boundingBox();
    await page.mouse.move(box.x + 8, box.y + 8);
    await page.mouse.down();
    await page.mouse.move(box.x + 8, box.y + 8 + 2 * 84, { steps: 6 });
    await page.mouse.up();
    for (let i = 0; i < 50 && (await layout("tile-2")).h !== 6; i++) await page.waitForTimeout(100);
    assert.deepEqual(await layout("tile-1"), { x: 0, y: 0, w: 7, h: 4 });
    assert.deepEqual(await layout("tile-2"), { x: 6, y: 4, w: 6, h: 6 });
    await page.getByRole("button", { name: "Done editing" }).click();
    await page.reload();
    await page.locator('.tile[data-tile="tile-2"] .tile-result').waitFor();
    assert.match(await page.locator('.tile[data-tile="tile-2"]').getAttribute("style"), /--h:6/);
    await page.screenshot({ path: `${shots}/dashboard-layout.png`, fullPage: true });
  });

  let shareUrl;
  await step("share a read-only link and open it in a fresh browser without logging in", async () => {
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByLabel("link expiry").selectOption("7");
    await page.getByRole("button", { name: "Create link" }).click();
    shareUrl = await page.getByLabel("share link", { exact: true }).inputValue();
    assert.match(shareUrl, /\/s\/[A-Za-z0-9_-]{43}$/);
    const visitor = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const v = await visitor.newPage();
    v.on("pageerror", (e) => errors.push(String(e)));
    const response = await v.goto(shareUrl);
    assert.equal(response.status(), 200);
    await v.locator('.tile[data-tile="tile-1"] .tile-result').waitFor();
    await v.locator('.tile[data-tile="tile-2"] .tile-result').waitFor();
    assert.equal(await v.locator('nav[aria-label="main"]').count(), 0, "a visitor gets no way into the app");
    assert.equal(await v.getByRole("button", { name: "Edit" }).count(), 0);
    assert.equal(await v.getByRole("button", { name: "Share" }).count(), 0);
    await v.screenshot({ path: `${shots}/shared.png`, fullPage: true });
    await visitor.close();
  });

  await step("the share token is refused on the rest of the API", async () => {
    const token = shareUrl.split("/s/")[1];
    const q = { explore: "orders", fields: ["orders.revenue"] };
    for (const [method, path, body] of [["POST", "/api/v1/query", q], ["GET", "/api/v1/explores"],
                                        ["GET", "/api/v1/dashboards"], ["GET", "/api/v1/dashboards/revenue_overview"]]) {
      const r = await api(method, path, body, token);
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, "forbidden");
    }
    assert.equal((await api("GET", "/api/v1/share", undefined, token)).status, 200);
  });

  await step("revoke the link: it opens the not-found page", async () => {
    await page.locator(".share-panel tr[data-status=active] button.revoke").click();
    await page.locator(".share-panel tr[data-status=revoked]").waitFor();
    const visitor = await browser.newContext();
    const v = await visitor.newPage();
    const response = await v.goto(shareUrl);
    assert.equal(response.status(), 404);
    assert.match(await v.locator("h1").innerText(), /does not open anything/);
    await v.screenshot({ path: `${shots}/shared-revoked.png` });
    await visitor.close();
  });

  await step("the demo dashboards show the numbers the API gives", async () => {
    for (const name of ["revenue_overview", "fleet_utilisation", "customer_activity"]) {
      const d = (await api("GET", `/api/v1/dashboards/${name}`)).body;
      await page.goto(`${base}/dashboards/${name}`);
      for (const tile of d.tiles.filter((t) => t.query)) {
        const result = page.locator(`.tile[data-tile="${tile.name}"] .tile-result`);
        await result.waitFor();
        const answer = await api("POST", "/api/v1/query", tile.query);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const rows = answer.body.rows;
        assert.equal(await result.getAttribute("data-rows"), String(rows.length), `${name}/${tile.name}`);
        const measure = tile.query.fields.at(-1);
        const format = answer.body.fields.find((f) => f.name === measure).value_format;
        if (tile.chart === "single") {
          assert.equal(await result.locator(".single-value .value").innerText(), shown(rows[0][measure], format), `${name}/${tile.name}`);
        } else if (tile.chart === "table") {
          const first = await result.locator("tbody tr").first().innerText();
          assert.ok(first.includes(shown(rows[0][measure], format)), `${name}/${tile.name}: ${first} vs ${JSON.stringify(rows[0])}`);
        }
      }
      await page.screenshot({ path: `${shots}/demo-${name}.png`, fullPage: true });
    }
  });

  await step("readable at tablet width: no sideways scrolling, every control labelled", async () => {
    await page.setViewportSize({ width: 820, height: 1100 });
    for (const path of ["/dashboards/revenue_overview", "/explore/orders?d=orders.status&m=orders.revenue"]) {
      await page.goto(`${base}${path}`);
      await page.locator(path.startsWith("/dash") ? ".tile .tile-result" : "table.data tbody tr").first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path} scrolls sideways by ${overflow}px at 820px`);
      const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select, button")]
        .filter((e) => !(e.getAttribute("aria-label") || e.labels?.length || e.innerText.trim() || e.title))
        .map((e) => e.outerHTML.slice(0, 80)));
      assert.deepEqual(unlabelled, [], `unlabelled controls on ${path}`);
      await page.screenshot({ path: `${shots}/tablet-${path.split("/")[1]}.png`, fullPage: true });
    }
  });

  assert.deepEqual(errors, [], "page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

// Browser test of text tiles, as the admin (by API key): markdown rendered on an app dashboard
// (made by the API, and added and written in edit mode) and on the demo's project dashboard, raw HTML shown as text (no element made, no script run),
// links only to http(s) or relative addresses; the API refuses a tile with both text and a query.
import assert from "node:assert/strict";
import { adminContext, api, base, hasFailed, launch, pageErrors, shots, step } from "./support/harness.mjs";

const browser = await launch();
try {
  const context = await adminContext(browser, {
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const errors = pageErrors(page);

  const text = [
    "## About this board",
    "Revenue is in **EUR**; see [the docs](https://example.com/docs) or [orders](/explore/orders).",
    "",
    "<script>window.__owned = 1</script>",
    "",
    "Inline <img src=x onerror=\"window.__owned = 2\"> and <b onclick=\"window.__owned = 3\">bold</b>.",
    "",
    "[click me](javascript:window.__owned=4)",
    "",
    "- one",
    "- two",
  ].join("\n");

  let name;
  await step("the API takes a text tile and refuses a tile with both text and a query", async () => {
    const both = await api("POST", "/api/v1/dashboards", {
      title: "Bad text board",
      tiles: [{ name: "t", title: "T", text: "hi", query: { explore: "orders", fields: ["orders.revenue"] } }],
    });
    assert.equal(both.status, 422, JSON.stringify(both.body));
    assert.equal(both.body.code, "invalid_dashboard");
    assert.match(both.body.message, /tile 't' has both a 'text' and a 'query'/);
    const made = await api("POST", "/api/v1/dashboards", {
      title: "Text board",
      tiles: [
        { name: "about", title: "About", text, layout: { x: 0, y: 0, w: 6, h: 4 } },
        { name: "revenue", title: "Revenue", chart: "single", query: { explore: "orders", fields: ["orders.revenue"] }, layout: { x: 6, y: 0, w: 6, h: 4 } },
      ],
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.tiles[0].text, text);
    assert.equal(made.body.tiles[0].query, undefined);
    name = made.body.name;
  });

  await step("a text tile renders markdown and shows raw HTML as text", async () => {
    await page.goto(`${base}/dashboards/${name}`);
    const md = page.locator('.tile[data-tile="about"] .tile-text');
    await md.waitFor();
    await page.locator('.tile[data-tile="revenue"] .tile-result').waitFor();
    assert.equal(await md.locator("h2").innerText(), "About this board");
    assert.equal(await md.locator("strong").innerText(), "EUR");
    assert.equal(await md.locator('a[href="https://example.com/docs"]').innerText(), "the docs");
    assert.equal(await md.locator('a[href="/explore/orders"]').innerText(), "orders");
    assert.equal(await md.locator("li").count(), 2);
    for (const tag of ["script", "img", "b"]) assert.equal(await md.locator(tag).count(), 0, `a <${tag}> element was made`);
    assert.equal(await md.locator('a[href^="javascript"]').count(), 0, "a javascript: link");
    const shown = await md.innerText();
    assert.ok(shown.includes("<script>window.__owned = 1</script>"), shown);
    assert.ok(shown.includes('<img src=x onerror="window.__owned = 2">'), shown);
    assert.ok(shown.includes("click me"), shown);
    await md.locator("text=click me").click();
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__owned), undefined, "no script ran");
    assert.equal(await page.locator('.tile[data-tile="about"] a.open').count(), 0, "a text tile has no explore to open");
    await page.screenshot({ path: `${shots}/text-tile.png`, fullPage: true });
  });

  await step("an editor adds a text tile in edit mode and writes its markdown", async () => {
    await page.goto(`${base}/dashboards/${name}`);
    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByRole("button", { name: "Add text" }).click();
    const tiles = async () => (await api("GET", `/api/v1/dashboards/${name}`)).body.tiles;
    let added;
    for (let i = 0; i < 50 && !added; i++) {
      added = (await tiles()).find((t) => t.name === "text-1");
      if (!added) await page.waitForTimeout(100);
    }
    assert.ok(added, "the new text tile is saved");
    const editor = page.locator('.tile[data-tile="text-1"] textarea');
    await editor.fill("### Added\n\n*in the app*");
    await editor.blur();
    for (let i = 0; i < 50 && (await tiles()).find((t) => t.name === "text-1").text !== "### Added\n\n*in the app*"; i++) await page.waitForTimeout(100);
    await page.getByRole("button", { name: "Done editing" }).click();
    const md = page.locator('.tile[data-tile="text-1"] .tile-text');
    assert.equal(await md.locator("h3").innerText(), "Added");
    assert.equal(await md.locator("em").innerText(), "in the app");
    const layouts = (await tiles()).map((t) => t.layout);
    assert.ok(layouts.every((l, i) => layouts.every((k, j) => i === j || l.y >= k.y + k.h || k.y >= l.y + l.h || l.x >= k.x + k.w || k.x >= l.x + l.w)), JSON.stringify(layouts));
  });

  await step("the demo's project dashboard has a text tile", async () => {
    const d = (await api("GET", "/api/v1/dashboards/revenue_overview")).body;
    const t = d.tiles.find((t) => t.text);
    assert.ok(t, "a text tile in revenue_overview");
    await page.goto(`${base}/dashboards/revenue_overview`);
    const md = page.locator(`.tile[data-tile="${t.name}"] .tile-text`);
    await md.waitFor();
    assert.ok((await md.innerText()).length > 20);
    assert.ok((await md.locator("p, li, h1, h2, h3").count()) > 0);
  });

  assert.deepEqual(errors, [], "page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

// Browser test of editing and sharing dashboards, as the admin (by API key): tiles dragged by the
// header and resized by the corner with the pointer, or moved and resized with the arrow keys,
// always compacted upward (no gaps), the layout saved; charts keep their axes in edit mode; a
// share link keeps the filter values on the board (locked, or as where its visitors start) and
// has a Copy button; dashboard filters suggest values; a project dashboard is copied into an
// editable one (from its page and from "Save to dashboard"); "open in explore" keeps the chart
// type; the time zone chosen on the board reaches its tiles as the API's `timezone` does; edit
// mode's code is fetched when Edit is first pressed, and a failed fetch is said and retried.
// Every step starts from a fresh page, so one failure does not hide the others.
import assert from "node:assert/strict";
import { api, apiQuery, base, hasFailed, launch, pageErrors, shots, shown, step } from "./support/harness.mjs";

/** Run a step; on failure go on with the next one (the test still fails at the end). */
const check = async (name, fn) => {
  try {
    await step(name, fn);
  } catch {
    // reported by `step`; the next steps start from a fresh page
  }
};

const browser = await launch();
try {
  const auth = { Authorization: `Bearer ${process.env.BOLTIC_ADMIN_KEY}` };
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: auth });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  const errors = pageErrors(page);

  // A board of three tiles: two side by side, one below the first.
  const start = {
    a: { x: 0, y: 0, w: 6, h: 4 },
    b: { x: 6, y: 0, w: 6, h: 4 },
    c: { x: 0, y: 4, w: 6, h: 3 },
  };
  const tiles = [
    { name: "a", title: "Orders by status", chart: "table", query: { explore: "orders", fields: ["orders.status", "orders.order_count"] } },
    { name: "b", title: "Revenue by group", chart: "column", query: { explore: "orders", fields: ["customers.customer_group_type", "orders.revenue"] } },
    { name: "c", title: "Trips by weekday", chart: "table", query: { explore: "trips", fields: ["trips.start_day_of_week", "trips.trip_count"] } },
  ];
  const made = await api("POST", "/api/v1/dashboards", {
    title: "Edit board",
    filters: [{ field: "orders.status", title: "Order status" }],
    tiles: tiles.map((t) => ({ ...t, layout: start[t.name] })),
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const name = made.body.name;
  const url = `${base}/dashboards/${name}`;

  const saved = async () => Object.fromEntries((await api("GET", `/api/v1/dashboards/${name}`)).body.tiles.map((t) => [t.name, t.layout]));
  /** Put the three tiles back where they started. */
  const reset = async () => {
    const d = (await api("GET", `/api/v1/dashboards/${name}`)).body;
    const r = await api("PUT", `/api/v1/dashboards/${name}`, {
      title: d.title, filters: d.filters, version: d.version,
      tiles: d.tiles.map((t) => ({ ...t, layout: start[t.name] })),
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  /** Wait until the saved layout of `tile` is `want`. */
  const savedAs = async (want) => {
    let now;
    for (let i = 0; i < 50; i++) {
      now = await saved();
      if (Object.entries(want).every(([t, l]) => JSON.stringify(now[t]) === JSON.stringify(l))) return now;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(now, { ...now, ...want });
    return now;
  };
  /** No tile could move up a row without covering another: vertical compaction left no gap. */
  const noGaps = (layouts) => {
    const ls = Object.entries(layouts);
    const overlaps = (p, q) => p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
    for (const [n, l] of ls) {
      for (const [m, k] of ls) if (n < m) assert.ok(!overlaps(l, k), `${n} and ${m} overlap: ${JSON.stringify(layouts)}`);
      if (l.y === 0) continue;
      const up = { ...l, y: l.y - 1 };
      assert.ok(ls.some(([m, k]) => m !== n && overlaps(up, k)), `a gap above ${n}: ${JSON.stringify(layouts)}`);
    }
  };
  const openEditing = async () => {
    await page.goto(url);
    await page.locator('.tile[data-tile="a"] .tile-result').waitFor();
    await page.getByRole("button", { name: "Edit" }).click();
    await page.locator(".dashboard.editing").waitFor();
  };
  const cell = async () => {
    const grid = await page.locator(".grid").boundingBox();
    return { w: (grid.width + 12) / 12, h: 72 + 12 };
  };
  const dragBy = async (handle, dx, dy) => {
    const box = await handle.boundingBox();
    const [x, y] = [box.x + Math.min(20, box.width / 2), box.y + box.height / 2];
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + dx, y + dy, { steps: 8 });
    await page.mouse.up();
  };

  await check("drag a tile by its header below its neighbour: they swap and no gap is left", async () => {
    await reset();
    await openEditing();
    const { h } = await cell();
    await dragBy(page.locator('.tile[data-tile="a"] .tile-head'), 0, 3 * h);
    const now = await savedAs({ c: { x: 0, y: 0, w: 6, h: 3 }, a: { x: 0, y: 3, w: 6, h: 4 } });
    assert.deepEqual(now.b, start.b);
    noGaps(now);
    await page.screenshot({ path: `${shots}/dashboard-dragged.png`, fullPage: true });
  });

  await check("resize a tile by its corner: its width and height change, the tile below follows up", async () => {
    await reset();
    await openEditing();
    const { w, h } = await cell();
    await dragBy(page.locator('.tile[data-tile="a"] .resize-handle'), -2 * w, -h);
    const now = await savedAs({ a: { x: 0, y: 0, w: 4, h: 3 } });
    assert.deepEqual(now.c, { x: 0, y: 3, w: 6, h: 3 }, "the tile below moved up into the freed rows");
    noGaps(now);
  });

  await check("keyboard: arrows move the focused tile, shift+arrows resize it, focus stays", async () => {
    await reset();
    await openEditing();
    const a = page.locator('.tile[data-tile="a"]');
    await a.focus();
    await page.keyboard.press("ArrowDown");
    let now = await savedAs({ c: { x: 0, y: 0, w: 6, h: 3 }, a: { x: 0, y: 3, w: 6, h: 4 } });
    noGaps(now);
    await page.waitForFunction(() => document.activeElement?.dataset?.tile === "a");
    await page.keyboard.press("Shift+ArrowUp");
    now = await savedAs({ a: { x: 0, y: 3, w: 6, h: 3 } });
    await page.waitForFunction(() => document.activeElement?.dataset?.tile === "a");
    await page.keyboard.press("Shift+ArrowLeft");
    now = await savedAs({ a: { x: 0, y: 3, w: 5, h: 3 } });
    noGaps(now);
  });

  await check("a chart keeps its axes inside the tile in edit mode", async () => {
    await reset();
    await page.goto(url);
    const chart = page.locator('.tile[data-tile="b"] .chart-area .chart');
    await chart.locator("canvas").first().waitFor();
    await page.getByRole("button", { name: "Edit" }).click();
    await page.locator('.tile[data-tile="b"] .tile-tools').waitFor();
    await page.locator('.tile[data-tile="b"] .chart-area .chart canvas').first().waitFor();
    await page.waitForTimeout(300);
    const fit = await page.evaluate(() => {
      const tile = document.querySelector('.tile[data-tile="b"]');
      const body = tile.querySelector(".tile-body");
      const canvas = tile.querySelector(".chart-area .chart canvas");
      const [b, c] = [body.getBoundingClientRect(), canvas.getBoundingClientRect()];
      return { bodyTop: b.top, bodyBottom: b.bottom, canvasTop: c.top, canvasBottom: c.bottom,
               scroll: body.scrollHeight - body.clientHeight };
    });
    assert.ok(fit.canvasBottom <= fit.bodyBottom + 1 && fit.canvasTop >= fit.bodyTop - 1,
              `the chart (and its x axis) is cut off: ${JSON.stringify(fit)}`);
    assert.ok(fit.scroll <= 1, `the tile body scrolls: ${JSON.stringify(fit)}`);
    await page.screenshot({ path: `${shots}/dashboard-editing.png`, fullPage: true });
  });

  const finished = await apiQuery({ explore: "orders", fields: ["orders.status", "orders.order_count"], filters: { "orders.status": "Finished" } });
  for (const [mode, locked] of [["lock", true], ["start", false]]) {
    await check(`a share link keeps the board's filter value (${locked ? "locked" : "as the start"}), and its Copy button copies it`, async () => {
      await page.goto(`${url}?f.orders.status=Finished`);
      await page.locator('.tile[data-tile="a"] .tile-result[data-rows="1"]').waitFor();
      await page.getByRole("button", { name: "Share" }).click();
      await page.locator(`.share-panel input[name="share-filters"][value="${mode}"]`).check();
      await page.getByRole("button", { name: "Create link" }).click();
      const link = await page.getByLabel("share link", { exact: true }).inputValue();
      await page.locator(".share-url").getByRole("button", { name: "Copy" }).click();
      await page.locator(".share-url").getByText("Copied").waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
      const visitor = await browser.newContext({ viewport: { width: 1024, height: 800 } });
      const v = await visitor.newPage();
      v.on("pageerror", (e) => errors.push(String(e)));
      await v.goto(link);
      const result = v.locator('.tile[data-tile="a"] .tile-result');
      await result.waitFor();
      const input = v.locator('.dash-filter[data-filter="orders.status"] input');
      assert.equal(await input.inputValue(), "Finished");
      assert.equal(await input.isDisabled(), locked);
      assert.equal(await result.getAttribute("data-rows"), String(finished.length));
      assert.ok((await result.innerText()).includes(shown(finished[0]["orders.order_count"])));
      await v.screenshot({ path: `${shots}/shared-${mode}.png`, fullPage: true });
      await visitor.close();
    });
  }

  await check("a dashboard filter suggests the field's values", async () => {
    await page.goto(url);
    const input = page.locator('.dash-filter[data-filter="orders.status"] input');
    await input.waitFor();
    await input.focus();
    await input.pressSequentially("Fin");
    const values = (await apiQuery({ explore: "orders", fields: ["orders.status"] })).map((r) => r["orders.status"]);
    const wanted = values.filter((s) => s.toLowerCase().includes("fin"));
    assert.ok(wanted.length > 0, JSON.stringify(values));
    await page.waitForFunction((want) => {
      const i = document.querySelector('.dash-filter[data-filter="orders.status"] input');
      const list = i.list;
      return list && want.every((w) => [...list.options].some((o) => o.value === w));
    }, wanted);
  });

  await check("a project dashboard is copied into an editable one of mine", async () => {
    const project = (await api("GET", "/api/v1/dashboards/revenue_overview")).body;
    await page.goto(`${base}/dashboards/revenue_overview`);
    await page.getByRole("button", { name: "Copy to my dashboards" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/dashboards/") && !u.pathname.endsWith("revenue_overview"));
    await page.getByRole("button", { name: "Edit" }).waitFor();
    const copy = (await api("GET", new URL(page.url()).pathname.replace("/dashboards/", "/api/v1/dashboards/"))).body;
    assert.equal(copy.source, "app");
    assert.equal(copy.editable, true);
    assert.deepEqual(copy.tiles, project.tiles);
    assert.deepEqual(copy.filters, project.filters);
    assert.match(copy.title, /Revenue overview/);
  });

  await check("“Save to dashboard” can copy a project dashboard and add the explore's tile to it", async () => {
    const project = (await api("GET", "/api/v1/dashboards/fleet_utilisation")).body;
    await page.goto(`${base}/explore/orders?d=orders.status&m=orders.order_count&v=bar`);
    await page.locator("table.data tbody tr").first().waitFor();
    await page.getByRole("button", { name: "Save to dashboard" }).click();
    const select = page.getByLabel("dashboard", { exact: true });
    await select.locator('option[value="copy:fleet_utilisation"]').waitFor({ state: "attached" });
    await select.selectOption("copy:fleet_utilisation");
    await page.getByLabel("tile title").fill("Orders by status");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const href = await page.locator(".saved a").getAttribute("href");
    const copy = (await api("GET", href.replace("/dashboards/", "/api/v1/dashboards/"))).body;
    assert.equal(copy.source, "app");
    assert.deepEqual(copy.tiles.slice(0, project.tiles.length), project.tiles);
    const added = copy.tiles.at(-1);
    assert.equal(added.title, "Orders by status");
    assert.equal(added.chart, "bar");
  });

  await check("“Save to dashboard” opened again saves where it shows: a new dashboard", async () => {
    await page.goto(`${base}/explore/orders?d=orders.status&m=orders.order_count`);
    await page.locator("table.data tbody tr").first().waitFor();
    const toggle = page.getByRole("button", { name: "Save to dashboard" });
    await toggle.click();
    const select = page.getByLabel("dashboard", { exact: true });
    await select.locator('option[value="copy:fleet_utilisation"]').waitFor({ state: "attached" });
    await select.selectOption("copy:fleet_utilisation");
    await toggle.click();
    await toggle.click();
    // drawn anew: the list shows "New dashboard…", and that is where the tile goes
    await select.locator('option[value="copy:fleet_utilisation"]').waitFor({ state: "attached" });
    assert.equal(await select.inputValue(), "");
    await page.getByLabel("new dashboard title").fill("Statuses again");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const href = await page.locator(".saved a").getAttribute("href");
    const made = (await api("GET", href.replace("/dashboards/", "/api/v1/dashboards/"))).body;
    assert.equal(made.title, "Statuses again");
    assert.equal(made.tiles.length, 1);
  });

  await check("“open in explore” keeps the tile's chart type", async () => {
    await page.goto(url);
    const open = page.locator('.tile[data-tile="b"] a.open');
    await page.locator('.tile[data-tile="b"] .tile-result').waitFor();
    assert.match(await open.getAttribute("href"), /[?&]v=column(&|$)/);
    await open.click();
    await page.waitForURL((u) => u.pathname === "/explore/orders");
    await page.locator("table.data tbody tr").first().waitFor();
    await page.getByRole("tab", { name: "Chart" }).click();
    await page.locator(".chart-area[data-chart=column]").waitFor();
    assert.equal(await page.getByLabel("chart type").inputValue(), "column");
  });

  await check("the time zone chosen on the board reaches a day-of-week tile as the API's timezone", async () => {
    const zone = "Pacific/Kiritimati";
    const q = tiles.find((t) => t.name === "c").query;
    const utc = await apiQuery(q);
    const there = await apiQuery({ ...q, timezone: zone });
    assert.notDeepEqual(there, utc, "the zone changes the answer");
    await page.goto(url);
    const result = page.locator('.tile[data-tile="c"] .tile-result');
    await result.waitFor();
    const select = page.getByLabel("time zone", { exact: true });
    assert.match(await select.locator("option").first().innerText(), /UTC/, "the default says the model's zone");
    const before = await result.innerText();
    await select.selectOption(zone);
    await page.waitForFunction((b) => document.querySelector('.tile[data-tile="c"] .tile-result')?.innerText !== b, before);
    assert.match(page.url(), /[?&]z=Pacific%2FKiritimati/);
    const text = await result.innerText();
    for (const r of there) assert.ok(text.includes(shown(r["trips.trip_count"])), `${JSON.stringify(r)} in ${text}`);
    // kept in the URL: a reload shows the same zone and numbers
    await page.reload();
    await page.locator('.tile[data-tile="c"] .tile-result').waitFor();
    assert.equal(await page.getByLabel("time zone", { exact: true }).inputValue(), zone);
    assert.equal(await page.locator('.tile[data-tile="c"] .tile-result').innerText(), text);
    // a name outside the IANA list is refused by the API
    const bad = await api("POST", `/api/v1/dashboards/${name}/tiles/c/query`, { timezone: "Mars/Base" });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.equal(bad.body.code, "invalid_timezone");
  });

  await check("edit mode's code comes when Edit is first pressed; a failed fetch says so, and Edit tries again", async () => {
    const fetched = [];
    const onRequest = (r) => {
      const m = r.url().match(/\/pkg\/([^/?]+)\.wasm/);
      if (m) fetched.push(m[1]);
    };
    page.on("request", onRequest);
    try {
      // looking at a board fetches nothing of edit mode or the share panel
      await page.goto(url);
      await page.locator('.tile[data-tile="a"] .tile-result').waitFor();
      await page.waitForLoadState("networkidle");
      assert.ok(fetched.includes("boltic_bg"), `fetched ${fetched}`);
      assert.ok(!fetched.some((m) => m.startsWith("split_dashboard_")), `fetched ${fetched}`);
      // edit mode's module cannot be fetched: Edit says so, and the board goes on working
      await page.route("**/pkg/split_dashboard_editing.wasm*", (r) => r.abort());
      await page.getByRole("button", { name: "Edit" }).click();
      await page.locator(".error", { hasText: "could not fetch the code of edit mode" }).waitFor();
      assert.equal(await page.locator(".dashboard.editing").count(), 0);
      assert.equal(await page.getByRole("button", { name: "Edit" }).count(), 1);
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.locator('.tile[data-tile="a"] .tile-result').waitFor();
      // reachable again: Edit opens edit mode, and the message goes
      await page.unroute("**/pkg/split_dashboard_editing.wasm*");
      await page.getByRole("button", { name: "Edit" }).click();
      await page.locator(".dashboard.editing").waitFor();
      await page.locator('.tile[data-tile="a"] .tile-tools').waitFor();
      assert.equal(await page.locator(".error", { hasText: "could not fetch" }).count(), 0);
      assert.ok(fetched.includes("split_dashboard_editing"), `fetched ${fetched}`);
      assert.ok(!fetched.includes("split_dashboard_sharing"), `fetched ${fetched}`);
    } finally {
      page.off("request", onRequest);
    }
  });

  assert.deepEqual(errors, [], "page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

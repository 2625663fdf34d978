// Browser test of the explore's layout beyond a laptop in light mode: with the system in dark
// mode the whole app is dark with readable text; on a phone (390 px wide) the field picker folds
// behind a "Fields" button and the results start on the first screen.
import assert from "node:assert/strict";
import { accounts, base, hasFailed, launch, login, shots, step } from "./support/harness.mjs";

/** Relative luminance of a CSS `rgb(...)` colour (WCAG). */
const luminance = (css) => {
  const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a, b) => {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
};
const question = `${base}/explore/orders?d=customers.customer_group_type&m=orders.revenue`;

const browser = await launch();
try {
  const errors = [];
  await step("dark mode: the explore is dark with readable text", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: "dark" });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    await login(page, accounts.admin.email, accounts.admin.password);
    await page.goto(question);
    await page.locator("table.data tbody tr").first().waitFor();
    const colours = await page.evaluate(() => {
      const style = (sel) => getComputedStyle(document.querySelector(sel));
      return {
        body: style("body").backgroundColor, panel: style(".picker").backgroundColor,
        results: style(".results").backgroundColor, ink: style(".results td").color,
        label: style(".shelf h3").color, search: style(".picker input[type=search]").backgroundColor,
        searchInk: style(".picker input[type=search]").color, chip: style(".chip").backgroundColor,
        chipInk: style(".chip-label").color,
      };
    });
    for (const k of ["body", "panel", "results", "search", "chip"]) {
      assert.ok(luminance(colours[k]) < 0.1, `${k} is dark: ${colours[k]}`);
    }
    assert.ok(contrast(colours.ink, colours.results) >= 7, `table text ${colours.ink} on ${colours.results}`);
    assert.ok(contrast(colours.label, colours.panel) >= 4.5, `shelf titles ${colours.label} on ${colours.panel}`);
    assert.ok(contrast(colours.searchInk, colours.search) >= 7, `search text ${colours.searchInk} on ${colours.search}`);
    assert.ok(contrast(colours.chipInk, colours.chip) >= 7, `chip text ${colours.chipInk} on ${colours.chip}`);
    await page.screenshot({ path: `${shots}/explore-dark.png`, fullPage: true });
    await context.close();
  });

  await step("a phone: the results start on the first screen; the fields fold behind a button", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    await login(page, accounts.admin.email, accounts.admin.password);
    await page.goto(question);
    await page.locator("table.data tbody tr").first().waitFor();
    const top = await page.evaluate(() => document.querySelector("table.data").getBoundingClientRect().top + window.scrollY);
    console.log(`     results table starts ${Math.round(top)} px down at 390 px wide`);
    assert.ok(top < 844, `the results start ${top} px down`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 400, `the page is ${width} px wide`);
    await page.screenshot({ path: `${shots}/explore-phone.png`, fullPage: true });
    const toggle = page.getByRole("button", { name: "Fields" });
    const search = page.getByLabel("search fields");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await search.isVisible(), false, "the picker is folded");
    await toggle.click();
    await search.waitFor();
    await search.fill("status");
    await page.locator('.picker li.field[data-field="orders.status"] button.add').click();
    await page.locator('.shelf.dimensions .chip[data-field="orders.status"]').waitFor();
    await page.getByRole("button", { name: "Hide fields" }).click();
    await search.waitFor({ state: "hidden" });
    await page.screenshot({ path: `${shots}/explore-phone-fields.png`, fullPage: true });
    await context.close();
  });

  assert.deepEqual(errors, [], "no page errors");
} finally {
  await browser.close();
}
process.exit(hasFailed() ? 1 : 0);

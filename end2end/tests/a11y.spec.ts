import { expect, test } from "@playwright/test";
import { expectAccessible, open, signIn, verifiedAccount } from "./support";

// axe runs inside the page, so it needs JavaScript; the HTML it checks is
// the same server-rendered markup the no-JavaScript project gets.
test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "axe needs JavaScript in the page");

const publicPages = ["/login", "/register", "/register/sent", "/verify-email", "/unlock", "/not-me", "/account-closed?erase_on=2026-12-31", "/no-such-page"];

for (const [language, header] of [["English", "en-GB"], ["Chinese", "zh-CN"]]) {
  test(`public pages pass axe in ${language}`, async ({ browser }, testInfo) => {
    const context = await browser.newContext({ locale: header, javaScriptEnabled: testInfo.project.name === "js" });
    const page = await context.newPage();
    for (const path of publicPages) {
      await open(page, path, testInfo);
      await expectAccessible(page);
    }
    await context.close();
  });
}

test("account pages pass axe, and look right on a phone and a desktop", async ({ page }, testInfo) => {
  // Seven pages, each checked twice by axe and shot twice: more than a minute on the slowest machines.
  test.slow();
  const email = await verifiedAccount(page, testInfo, "Axe Tester");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  const pages = [
    "/account",
    "/account/activity",
    "/account/sessions",
    "/account/security",
    "/account/two-factor",
    "/account/privacy",
    "/login/reauth?next=/account",
  ];
  for (const path of pages) {
    await open(page, path, testInfo);
    await expectAccessible(page);
    for (const [label, width] of [["phone", 360], ["desktop", 1280]] as const) {
      await page.setViewportSize({ width, height: 800 });
      const name = `${path.split("?")[0].replaceAll("/", "_").slice(1)}-${label}.png`;
      await page.screenshot({ path: testInfo.outputPath(name), fullPage: true });
      if (label === "phone") {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
      }
    }
  }
});

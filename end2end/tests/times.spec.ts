import { expect, test } from "@playwright/test";
import {
  freshEmail,
  linkIn,
  mailTo,
  open,
  register,
  screenshotsInBothLanguages,
  settled,
  signIn,
  signInElsewhere,
  verifiedAccount,
} from "./support";

/** Nothing on the page is wider than a 360 px phone. */
async function expectNoSidewaysScroll(page: import("@playwright/test").Page) {
  await page.setViewportSize({ width: 360, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  await page.setViewportSize({ width: 1280, height: 720 });
}

test("the sessions page lists this browser first and says how long ago", async ({ page, browser }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Sun Li");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  // A newer session elsewhere, which the list would otherwise put first.
  const { context: other } = await signInElsewhere(browser, testInfo, email);
  await other.close();

  await open(page, "/account/sessions", testInfo);
  const sessions = page.locator("li.session");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.first()).toHaveClass(/\bcurrent\b/);
  await expect(sessions.first()).toContainText("This browser");
  const signedIn = sessions.first().locator("time").first();
  await expect(signedIn).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  await expect(signedIn.locator(".when-age")).toHaveText(/^(just now|\d+ minutes? ago)$/);
  await expect(signedIn.locator(".when-local")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+$/);
  await expectNoSidewaysScroll(page);
  await screenshotsInBothLanguages(page, testInfo, "sessions");
});

test.describe("in Shanghai", () => {
  // With scripts the browser reports its zone; without, the cookie it set earlier says it.
  test.use({ timezoneId: "Asia/Shanghai" });

  test("the activity page shows local time with the zone and the age", async ({ page, context }, testInfo) => {
    await context.addCookies([{ name: "lk_tz", value: "Asia/Shanghai", url: testInfo.project.use.baseURL! }]);
    const email = await verifiedAccount(page, testInfo, "Wang Fang");
    await signIn(page, testInfo, email);
    await expect(page).toHaveURL(/\/account$/);
    await open(page, "/account/activity", testInfo);
    await expect(page.getByText("Times are shown in Asia/Shanghai.")).toBeVisible();
    const signedIn = page.locator("tr.event-signed_in time").first();
    await expect(signedIn).toHaveAttribute("datetime", /\+08:00$/);
    await expect(signedIn.locator(".when-local")).toHaveText(/ CST$/);
    await expect(signedIn.locator(".when-age")).toHaveText(/^(just now|\d+ minutes? ago)$/);
    await expect(page.locator("tr.event-signed_in td.col-device")).toContainText(" on ");
    await expectNoSidewaysScroll(page);
    await screenshotsInBothLanguages(page, testInfo, "activity");

    await page.getByRole("link", { name: "中文" }).click();
    await settled(page, testInfo);
    await expect(page.locator("tr.event-signed_in .when-age").first()).toHaveText(/^(刚刚|\d+ 分钟前)$/);
    await expect(page.locator("tr.event-signed_in td.col-device").first()).toContainText(" 上的 ");
    await expect(page.locator("table.activity")).not.toContainText(" ， ");
    await page.getByRole("link", { name: "English" }).click();
    await settled(page, testInfo);
  });
});

test("check your email names the address, resends, and gives the address back", async ({ page }, testInfo) => {
  const email = freshEmail(testInfo, "sent");
  await register(page, testInfo, email, "Chen Jing");
  await expect(page).toHaveURL(/\/register\/sent$/);
  await expect(page.locator(".sent-to")).toContainText(email);
  await mailTo(email, "verify-email");
  await settled(page, testInfo);

  await page.getByRole("button", { name: "Resend the email" }).click();
  await expect(page).toHaveURL(/\/register\/sent\?resent=1$/);
  const notice = page.locator(".alert-success[role=status]");
  await expect(notice).toContainText("We sent the email again.");
  await mailTo(email, "verify-email", 2);
  await expectNoSidewaysScroll(page);
  await screenshotsInBothLanguages(page, testInfo, "check-email");

  await settled(page, testInfo);
  await page.getByRole("button", { name: "Use a different address" }).click();
  await expect(page).toHaveURL(/\/register$/);
  await expect(page.getByLabel("Email address")).toHaveValue(email);
  await expect(page.getByLabel("Your name")).toHaveValue("Chen Jing");
  // The address never travelled in a URL.
  expect(page.url()).not.toContain("example.com");
});

test("confirming in the browser that registered continues into the account", async ({ page }, testInfo) => {
  const email = freshEmail(testInfo, "confirm");
  await register(page, testInfo, email, "Zhou Min");
  await expect(page).toHaveURL(/\/register\/sent$/);
  await open(page, linkIn(await mailTo(email, "verify-email")), testInfo);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page).toHaveURL(/\/account\?confirmed=1$/);
  await expect(page.locator(".alert-success[role=status]")).toContainText("Welcome to your account.");
  await expect(page.getByLabel("Your name")).toHaveValue("Zhou Min");
  await screenshotsInBothLanguages(page, testInfo, "confirmed-welcome");
});

test("confirming on another device fills in nothing and signs nobody in", async ({ page, browser }, testInfo) => {
  const email = freshEmail(testInfo, "phone");
  await register(page, testInfo, email, "Zhou Min");
  await expect(page).toHaveURL(/\/register\/sent$/);
  const phone = await browser.newContext({ javaScriptEnabled: testInfo.project.name === "js" });
  const onPhone = await phone.newPage();
  await open(onPhone, linkIn(await mailTo(email, "verify-email")), testInfo);
  await onPhone.getByRole("button", { name: "Confirm my email" }).click();
  await expect(onPhone).toHaveURL(/\/login\?verified=1$/);
  await expect(onPhone.locator(".alert-success[role=status]")).toContainText("Sign in to continue.");
  await expect(onPhone.getByLabel("Email address")).toHaveValue("");
  await phone.close();
});

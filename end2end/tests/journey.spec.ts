import { expect, test } from "@playwright/test";
import { freshEmail, linkIn, mailTo, open, PASSWORD, register, settled, signIn } from "./support";

test("register, confirm from the outbox link straight into the account, see activity, switch to Chinese, sign out", async ({ page }, testInfo) => {
  const email = freshEmail(testInfo, "journey");
  await register(page, testInfo, email, "Ada <b>Lovelace</b> & Co");
  await expect(page).toHaveURL(/\/register\/sent$/);
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  const mail = await mailTo(email, "verify-email");
  expect(mail.subject).toContain("Confirm your email address");
  const link = linkIn(mail);

  // The link's token leaves the address bar at once; nothing happens before the button.
  await open(page, link, testInfo);
  await expect(page).toHaveURL(/\/verify-email$/);
  // This browser registered, so confirming continues into the account.
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page).toHaveURL(/\/account\?confirmed=1$/);
  await expect(page.getByText("Your email address is confirmed")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByLabel("Your name")).toHaveValue("Ada <b>Lovelace</b> & Co");
  await expect(page.getByText("Confirmed", { exact: true })).toBeVisible();

  await page.getByRole("link", { name: "Activity", exact: true }).click();
  await expect(page).toHaveURL(/\/account\/activity$/);
  const rows = page.locator("table.activity tbody tr");
  await expect(rows.first()).toContainText("Signed in");
  await expect(page.locator("table.activity")).toContainText("Email address confirmed");
  await expect(page.locator("table.activity")).toContainText("Account created");
  await expect(rows.first()).toContainText("127.0.0.1");
  await expect(rows.first()).toContainText("Chrome");

  await page.getByRole("link", { name: "中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("heading", { name: "账户活动记录" })).toBeVisible();
  await expect(page.locator("table.activity")).toContainText("登录");
  await settled(page, testInfo);
  await page.getByRole("button", { name: "退出登录" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByText("您已退出登录。")).toBeVisible();

  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=\/account$/);
  await page.getByRole("link", { name: "English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test("sign-in returns to the page that asked for it", async ({ page }, testInfo) => {
  const email = freshEmail(testInfo, "next");
  await register(page, testInfo, email, "Nell");
  await expect(page).toHaveURL(/\/register\/sent$/);
  await page.goto("/account/activity");
  await expect(page).toHaveURL(/\/login\?next=\/account\/activity$/);
  await settled(page, testInfo);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/account\/activity$/);
});

test("an unverified account sees the banner and can ask for a new link", async ({ page }, testInfo) => {
  const email = freshEmail(testInfo, "resend");
  await register(page, testInfo, email, "Ros");
  await expect(page).toHaveURL(/\/register\/sent$/);
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText("Please confirm your email address")).toBeVisible();
  await page.getByRole("button", { name: "Send a new link" }).click();
  await expect(page.getByText("We sent a new link")).toBeVisible();
  const mails = await mailTo(email, "verify-email", 2);
  await open(page, linkIn(mails), testInfo);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText("Confirmed", { exact: true })).toBeVisible();
});

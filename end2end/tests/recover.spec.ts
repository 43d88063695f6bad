import { expect, test } from "@playwright/test";
import { linkIn, mailTo, open, PASSWORD, settled, signIn, signInElsewhere, verifiedAccount } from "./support";

const NEW_PASSWORD = "Violet-Harbour-Lantern-58";

test("forgot password: mail, reset, old password fails, new one works, other sessions are gone", async ({ page, browser }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Forgetful");

  // Another browser is signed in the whole time.
  const { context: other, page: otherPage } = await signInElsewhere(browser, testInfo, email);

  await open(page, "/login", testInfo);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/recover$/);
  await settled(page, testInfo);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page).toHaveURL(/\/recover\/sent$/);
  await expect(page.getByText("If an account exists for that address")).toBeVisible();

  const link = linkIn(await mailTo(email, "recover/reset"));
  await open(page, link, testInfo);
  await expect(page).toHaveURL(/\/recover\/reset$/);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again", { exact: true }).fill(NEW_PASSWORD + "x");
  await page.getByRole("button", { name: "Change my password" }).click();
  await expect(page.locator("#field-confirmation-error")).toContainText("The two passwords are not the same.");

  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change my password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByText("Your password has been changed")).toBeVisible();
  await mailTo(email, "was just changed");

  await signIn(page, testInfo, email, PASSWORD);
  await expect(page.getByRole("alert")).toContainText("do not match");
  await signIn(page, testInfo, email, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);

  await otherPage.goto("/account");
  await expect(otherPage).toHaveURL(/\/login\?next=\/account$/);
  await other.close();

  // The link worked once, and the page says so before anything is typed.
  await page.context().clearCookies();
  await open(page, link, testInfo);
  await expect(page.getByText("This link was already used: each link works once.")).toBeVisible();
  await expect(page.getByLabel("New password", { exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Ask for another link" })).toBeVisible();
});

test("a used or mangled reset link leads to one page that offers a new link", async ({ page }, testInfo) => {
  await open(page, "/recover/reset?token=not-a-real-token", testInfo);
  await expect(page).toHaveURL(/\/recover\/reset$/);
  await expect(page.getByLabel("New password", { exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Ask for another link" })).toBeVisible();
});

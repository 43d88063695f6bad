import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { linkIn, mailTo, open, PASSWORD, settled, signIn, signInElsewhere, verifiedAccount } from "./support";

const WRONG = "Wrong-Password-123!";
const NEW_PASSWORD = "Marble-Harbor-Quill-38";

test("three bad passwords lock the account; the unlock mail opens it again", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Locked Out");
  for (let attempt = 0; attempt < 2; attempt++) {
    await signIn(page, testInfo, email, WRONG);
    await expect(page.getByRole("alert")).toContainText("do not match");
  }
  // The third failure starts the pause, and the page says so (in words that
  // fit an address without an account as well).
  const paused = "Sign-in is paused for 15 minutes for this address; if it has an account, we emailed it an unlock link.";
  await signIn(page, testInfo, email, WRONG);
  await expect(page.getByRole("alert")).toContainText(paused);
  // The right password meets the same answer while the pause lasts.
  await signIn(page, testInfo, email, PASSWORD);
  await expect(page.getByRole("alert")).toContainText(paused);

  const mail = await mailTo(email, "/unlock?token=");
  expect(mail.subject).toContain("locked");
  expect(mail.body).toContain("127.0.0.1");
  await open(page, linkIn(mail), testInfo);
  await expect(page).toHaveURL(/\/unlock$/);
  await expect(page.getByRole("link", { name: "Choose a new password instead" })).toBeVisible();
  await page.getByRole("button", { name: "Unlock my account" }).click();
  await expect(page).toHaveURL(/\/login\?unlocked=1$/);
  await expect(page.getByText("Your account is unlocked.")).toBeVisible();
  await signIn(page, testInfo, email, PASSWORD);
  await expect(page).toHaveURL(/\/account$/);

  await open(page, "/account/activity?kind=account_locked", testInfo);
  await expect(page.locator("tr.event-account_locked")).toHaveCount(1);
  await expect(page.locator("tr.event-sign_in_failed")).toHaveCount(0);
});

test("a new browser is reported by mail, and 'sign out everywhere else' signs it out", async ({ page, browser }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Two Browsers");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);

  const { context: other, page: otherPage } = await signInElsewhere(browser, testInfo, email);
  const alert = await mailTo(email, "/not-me?token=");
  expect(alert.subject).toBe("New sign-in to your Latchkey account");

  await open(page, "/account/sessions", testInfo);
  await expect(page.locator("li.session")).toHaveCount(2);
  await expect(page.locator("li.session.current")).toContainText("This browser");
  await page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(page.getByText("Every other session is signed out.")).toBeVisible();
  await expect(page.locator("li.session")).toHaveCount(1);

  await otherPage.goto("/account");
  await expect(otherPage).toHaveURL(/\/login\?next=\/account$/);
  await other.close();

  await open(page, "/account/activity", testInfo);
  await expect(page.locator("tr.event-other_sessions_revoked")).toHaveCount(1);
  await expect(page.locator("tr.event-signed_in_new_device")).toHaveCount(1);
});

test("change the password, then the email address, with the current password", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Changer");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Password, email and passkeys" }).click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await settled(page, testInfo);

  const passwordForm = page.locator("form", { has: page.getByRole("button", { name: "Change password" }) });
  await passwordForm.getByLabel("Current password").fill(PASSWORD);
  await passwordForm.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await passwordForm.getByLabel("New password again").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#field-password-error").first()).toContainText("You used this password recently.");

  await passwordForm.getByLabel("Current password").fill(PASSWORD);
  await passwordForm.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await passwordForm.getByLabel("New password again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password is changed.")).toBeVisible();
  await mailTo(email, "was just changed");

  const newEmail = email.replace("@", ".new@");
  const emailForm = page.locator("form", { has: page.getByRole("button", { name: "Send confirmation link" }) });
  await emailForm.getByLabel("New email address").fill(newEmail);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.getByText("Check the inbox of the new address")).toBeVisible();

  await open(page, linkIn(await mailTo(newEmail, "/account/email/confirm?token=")), testInfo);
  await page.getByRole("button", { name: "Use this address" }).click();
  await expect(page).toHaveURL(/\/account\?email_changed=1$/);
  await expect(page.getByText(newEmail)).toBeVisible();
  await mailTo(email, "/account/email/restore?token=");
});

test("download the activity as CSV and all data as JSON, then delete the account", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Leaver");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);

  await open(page, "/account/activity", testInfo);
  await page.getByLabel("Show").selectOption("signed_in");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/kind=signed_in/);
  await expect(page.locator("tr.event-signed_in")).toHaveCount(1);
  await expect(page.locator("tr.event-registered")).toHaveCount(0);
  const csvDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download as CSV" }).click();
  const csv = fs.readFileSync(await (await csvDownload).path());
  expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(csv.toString("utf8")).toContain("Signed in");

  await open(page, "/account/privacy", testInfo);
  const jsonDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download my data" }).click();
  const data = JSON.parse(fs.readFileSync(await (await jsonDownload).path(), "utf8"));
  expect(data.profile.email).toBe(email);

  await page.getByLabel("Current password").fill(WRONG);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.locator("#field-current_password-error")).toContainText("This is not your current password.");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/account-closed\?erase_on=\d{4}-\d{2}-\d{2}$/);
  const eraseOn = new URL(page.url()).searchParams.get("erase_on")!;
  await expect(page.getByRole("heading", { name: "Your account is closed" })).toBeVisible();
  await expect(page.getByText(`will be erased on ${eraseOn}`)).toBeVisible();
  await mailTo(email, "will be erased");

  // Changing one's mind is one button away, and says what it did.
  await page.getByRole("link", { name: "Cancel the deletion" }).click();
  await expect(page.getByText("Sign in to cancel the deletion")).toBeVisible();
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("status").filter({ hasText: "cancelled the deletion" })).toBeVisible();
});

test("an address change after sudo mode lapsed asks to confirm it is you, then goes on", async ({ page }, testInfo) => {
  test.slow();
  const email = await verifiedAccount(page, testInfo, "Sudo");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  // The e2e server lets a sign-in count for 20 seconds.
  await page.waitForTimeout(21_000);

  await open(page, "/account/security", testInfo);
  const newEmail = email.replace("@", ".sudo@");
  await page.getByLabel("New email address").fill(newEmail);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  if (testInfo.project.name === "js") {
    await expect(page.getByRole("alert")).toContainText("Please confirm it is you first.");
    await page.getByRole("link", { name: "Confirm it is you" }).click();
  }
  await expect(page).toHaveURL(/\/login\/reauth\?next=%2Faccount%2Fsecurity$|\/login\/reauth\?next=\/account\/security$/);
  await settled(page, testInfo);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await settled(page, testInfo);
  await page.getByLabel("New email address").fill(newEmail);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.getByText("Check the inbox of the new address")).toBeVisible();
  await mailTo(newEmail, "/account/email/confirm?token=");
});

import { expect, test } from "@playwright/test";
import { open, PASSWORD, screenshotsInBothLanguages, settled, signIn, SIGNED_IN, verifiedAccount } from "./support";

test("the home shows the account's security at a glance, and the name changes in place", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Glance Reader");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  await settled(page, testInfo);

  const sections = page.getByRole("navigation", { name: "Account sections" });
  await expect(sections.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
  const glance = page.locator("dl.glance");
  await expect(glance.getByText("Off", { exact: true })).toBeVisible();
  await expect(glance.getByRole("link", { name: "Turn on two-factor sign-in" })).toBeVisible();
  await expect(glance.getByText("Only this browser")).toBeVisible();
  await expect(glance.getByText("None before this one.")).toBeVisible();
  await screenshotsInBothLanguages(page, testInfo, "home");

  // An empty name is asked for beside the field, and the message goes as
  // soon as the field is changed (with JavaScript).
  const name = page.getByLabel("Your name");
  await expect(name).toHaveValue("Glance Reader");
  await name.fill("");
  await page.getByRole("button", { name: "Save name" }).click();
  const summary = page.getByRole("alert");
  await expect(summary).toBeVisible();
  await expect(page.locator("#field-display_name-error")).not.toBeEmpty();
  if (testInfo.project.name === "js") {
    await expect(summary).toBeFocused();
  }
  await summary.getByRole("link").first().click();
  if (testInfo.project.name === "js") {
    await expect(name).toBeFocused();
  } else {
    await expect(page).toHaveURL(/#field-display_name$/);
  }
  await name.fill("Glance Renamed");
  if (testInfo.project.name === "js") {
    await expect(page.locator("#field-display_name-error")).toBeEmpty();
  }
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page).toHaveURL(/\/account\?name_changed=1$/);
  await expect(page.getByRole("status").filter({ hasText: "Your name is changed." })).toBeVisible();
  await expect(page.getByLabel("Your name")).toHaveValue("Glance Renamed");

  // The section navigation follows the customer through the pages.
  await sections.getByRole("link", { name: "Sessions" }).click();
  await expect(page).toHaveURL(/\/account\/sessions$/);
  await expect(page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Sessions" }))
    .toHaveAttribute("aria-current", "page");
});

test("every empty field of the password form is named at once, each linked from the summary", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Empty Fields");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/security", testInfo);
  await page.getByRole("button", { name: "Change password" }).click();
  const summary = page.getByRole("alert");
  await expect(summary.getByRole("link", { name: "Enter your current password." })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Choose a password." })).toBeVisible();
  // One message for an empty new password, not every rule it breaks.
  await expect(page.locator("#field-password-error li")).toHaveCount(1);
  await summary.getByRole("link", { name: "Choose a password." }).click();
  if (testInfo.project.name === "js") {
    await expect(page.getByLabel("New password", { exact: true })).toBeFocused();
  } else {
    await expect(page).toHaveURL(/#field-password$/);
  }
  await screenshotsInBothLanguages(page, testInfo, "password-errors");
});

test("a closed account shows its erasure day, and one button cancels the deletion", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Changing Mind");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/privacy", testInfo);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/account-closed\?erase_on=\d{4}-\d{2}-\d{2}$/);
  const eraseOn = new URL(page.url()).searchParams.get("erase_on")!;
  await expect(page.getByText(`will be erased on ${eraseOn}`)).toBeVisible();
  await screenshotsInBothLanguages(page, testInfo, "account-closed");
  await page.getByRole("link", { name: "Cancel the deletion" }).click();
  await expect(page.getByRole("status")).toContainText("Sign in to cancel the deletion");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(SIGNED_IN);
  await expect(page.getByRole("status").filter({ hasText: "cancelled the deletion" })).toBeVisible();
});

test("the sign-in page offers the way out beside the password, on a phone too", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await open(page, "/login", testInfo);
  const forgot = page.getByRole("link", { name: "Forgot your password?" });
  const label = page.locator("label[for='field-password']");
  const [forgotBox, labelBox] = [await forgot.boundingBox(), await label.boundingBox()];
  expect(forgotBox && labelBox && Math.abs(forgotBox.y - labelBox.y) < labelBox.height, "beside the label").toBeTruthy();
  const button = page.getByRole("button", { name: "Sign in", exact: true });
  expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await screenshotsInBothLanguages(page, testInfo, "sign-in");
  await forgot.click();
  await expect(page).toHaveURL(/\/recover$/);
});

import { expect, Page, test, TestInfo } from "@playwright/test";
import { enrollApp, expectAccessible, freshEmail, latchkey, mailTo, open, PASSWORD, screenshots, settled, SIGNED_IN, signIn, staffMember, staffSignIn, verifiedAccount } from "./support";

/** A support member (the role granted by the CLI) with an authenticator app; returns its address and key. */
async function supportMember(page: Page, testInfo: TestInfo): Promise<{ email: string; key: string }> {
  return staffMember(page, testInfo, "support", "Sam Support");
}

test("a support member unlocks a locked customer with a reason the customer then sees", async ({ page }, testInfo) => {
  const member = await supportMember(page, testInfo);
  const customer = await verifiedAccount(page, testInfo, "Lea Locked");
  for (let attempt = 0; attempt < 3; attempt++) {
    await signIn(page, testInfo, customer, "Wrong-Password-123!");
    await expect(page.getByRole("alert")).toBeVisible();
  }
  await mailTo(customer, "/unlock?token=");

  // The grant ended the member's session: a new one, with the app's code.
  await staffSignIn(page, testInfo, member);

  await open(page, "/staff", testInfo);
  await page.getByLabel("Address, name or account id").fill(customer.toUpperCase());
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: customer }).click();
  await expect(page.getByRole("heading", { name: "Customer account" })).toBeVisible();
  await settled(page, testInfo);
  await expect(page.getByText("Locked until")).toBeVisible();
  if (testInfo.project.name === "js") await expectAccessible(page);

  const unlock = page.locator("form", { has: page.getByRole("heading", { name: "Unlock sign-in" }) });
  const reason = "Ticket 4521: locked out while travelling";
  // Blanks pass the browser's `required`; the server refuses them and the
  // form comes back with the message.
  await unlock.getByLabel("Reason").fill("   ");
  await unlock.getByRole("button", { name: "Unlock sign-in" }).click();
  await expect(page.getByText("Give a reason.")).toBeVisible();
  await expect(page.getByText("Locked until")).toBeVisible();
  await settled(page, testInfo);
  await unlock.getByLabel("Reason").fill(reason);
  await unlock.getByRole("button", { name: "Unlock sign-in" }).click();
  await expect(page).toHaveURL(/\?done=unlock$/);
  await expect(page.getByText("Not locked")).toBeVisible();
  await mailTo(customer, reason);

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, testInfo, customer);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/activity", testInfo);
  const entry = page.locator("tr.event-support_unlocked");
  await expect(entry).toContainText("Support unlocked your account");
  await expect(entry).toContainText("Sam Support");
  await expect(entry).toContainText(reason);

  const refused = await page.goto("/staff");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Access refused" })).toBeVisible();
});

test("a customer gets 403 on the console", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo);
  await signIn(page, testInfo, email, PASSWORD);
  await expect(page).toHaveURL(SIGNED_IN);
  const response = await page.goto("/staff");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Access refused" })).toBeVisible();
});

test("a member created by the CLI views a customer's portal read-only, and the customer sees it", async ({ page }, testInfo) => {
  const customer = await verifiedAccount(page, testInfo, "Vera Viewed");

  // The operator creates the member; the last line is the set-password link.
  const memberEmail = freshEmail(testInfo, "agent");
  const output = latchkey("staff", "add", "--email", memberEmail, "--name", "Ana Agent", "--role", "support", "--reason", "joined support");
  const link = output.trim().split("\n").pop()!;
  expect(link).toContain("token=");
  await open(page, link, testInfo);
  await page.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("New password again", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Change my password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await signIn(page, testInfo, memberEmail);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/staff", testInfo);
  await expect(page.getByRole("link", { name: "Set up two-factor sign-in" })).toBeVisible();
  await enrollApp(page, testInfo);

  await open(page, "/staff", testInfo);
  await page.getByLabel("Address, name or account id").fill(customer);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: customer }).click();
  await settled(page, testInfo);
  const view = page.locator("form", { has: page.getByRole("heading", { name: "View as customer" }) });
  const reason = "Ticket 3150: cannot find where to turn on two-factor";
  await view.getByLabel("Reason").fill(reason);
  await view.getByRole("button", { name: "View as customer" }).click();
  await expect(page).toHaveURL(SIGNED_IN);
  await settled(page, testInfo);

  const banner = page.getByRole("complementary", { name: "Support view: read-only" });
  await expect(banner).toContainText(customer);
  await expect(banner).toContainText("Ana Agent");
  await expect(banner.getByRole("button", { name: "End view" })).toBeVisible();
  await expect(page.getByText(customer).first()).toBeVisible();
  if (testInfo.project.name === "js") await expectAccessible(page);
  await screenshots(page, testInfo, "support-view");
  for (const path of ["/account/activity", "/account/sessions", "/account/security"]) {
    await open(page, path, testInfo);
    await expect(banner).toBeVisible();
  }
  await open(page, "/account/two-factor", testInfo);
  await expect(banner).toBeVisible();
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByText("Support view is read-only")).toBeVisible();
  await open(page, "/account/two-factor", testInfo);

  await page.getByRole("complementary", { name: "Support view: read-only" }).getByRole("button", { name: "End view" }).click();
  await expect(page).toHaveURL(/\/staff\/customers\/\d+$/);
  await expect(page.getByRole("heading", { name: "Customer account" })).toBeVisible();
  await expect(banner).toHaveCount(0);

  // Offboarding ends the member's open session at once.
  latchkey("staff", "offboard", "--email", memberEmail, "--reason", "left the company");
  await page.goto("/staff");
  await expect(page).toHaveURL(/\/login\?next=%2Fstaff|\/login\?next=\/staff/);

  await mailTo(customer, reason);
  await signIn(page, testInfo, customer);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/activity", testInfo);
  const entry = page.locator("tr.event-support_viewed");
  await expect(entry).toContainText("Support viewed your account");
  await expect(entry).toContainText("Ana Agent");
  await expect(entry).toContainText(reason);
  await expect(entry).toContainText("Viewed until");
});

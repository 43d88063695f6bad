import { expect, Page, test, TestInfo } from "@playwright/test";
import { expectAccessible, mailTo, open, PASSWORD, settled, SIGNED_IN, signIn, staffMember, staffSignIn, verifiedAccount } from "./support";

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

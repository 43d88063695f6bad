import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import * as OTPAuth from "otpauth";
import {
  addPasskey,
  expectAccessible,
  linkIn,
  mailTo,
  open,
  PASSWORD,
  settled,
  signIn,
  verifiedAccount,
  virtualAuthenticator,
} from "./support";

/** The account page itself, not the second step's `?next=/account`. */
const SIGNED_IN = /^[^?]*\/account$/;
const NEW_PASSWORD = "Copper-Tundra-Wren-61";

/** A second browser, as an intruder's would be: no cookies of the owner's. */
async function anotherBrowser(browser: Browser, testInfo: TestInfo): Promise<Page> {
  const context = await browser.newContext({
    javaScriptEnabled: testInfo.project.name === "js",
    locale: "en-GB",
  });
  return context.newPage();
}

/**
 * The owner opens the "this wasn't me" link of a factor mail: the page names
 * the account, the button signs everyone out and removes what was added,
 * and the reset that follows asks for no factor the owner never had.
 */
async function ownerTakesBack(page: Page, testInfo: TestInfo, email: string, mailText: string) {
  const mail = await mailTo(email, mailText);
  const link = linkIn(mail);
  expect(link).toContain("/not-me?token=");
  await open(page, link, testInfo);
  await expect(page.locator(".link-account strong")).toHaveText(`${email[0]}•••@example.com`);
  await page.getByRole("button", { name: "Sign out everywhere and change my password" }).click();
  await expect(page).toHaveURL(/\/recover\/reset$/);
  await settled(page, testInfo);
  await expect(page.getByLabel("Code", { exact: true })).toHaveCount(0);
  await expect(page.getByText("Your second factors")).toHaveCount(0);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change my password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
}

test("this wasn't me: the passkey an intruder added with the password alone is gone", async ({ page, browser }, testInfo) => {
  test.skip(testInfo.project.name !== "js", "WebAuthn is a browser API");
  const email = await verifiedAccount(page, testInfo, "Owner One");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);

  // The intruder knows the password, signs in from elsewhere and adds a passkey.
  const intruder = await anotherBrowser(browser, testInfo);
  await virtualAuthenticator(intruder, "internal");
  await signIn(intruder, testInfo, email);
  await expect(intruder).toHaveURL(SIGNED_IN);
  await addPasskey(intruder, testInfo, "Not yours");
  await expect(intruder).toHaveURL(/\/account\/recovery-codes$/);

  await ownerTakesBack(page, testInfo, email, "Not yours\u201d was just added");

  // The intruder is out, and the passkey opens nothing any more.
  await open(intruder, "/account", testInfo);
  await expect(intruder).toHaveURL(/\/login/);
  await settled(intruder, testInfo);
  await intruder.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(intruder.getByRole("alert")).toContainText("That passkey did not work.");

  await signIn(page, testInfo, email, NEW_PASSWORD);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/security", testInfo);
  await expect(page.locator("li.passkey-item")).toHaveCount(0);
  await intruder.context().close();
});

test("this wasn't me from the new-device mail removes the app an intruder turned on", async ({ page, browser }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Owner Two");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);

  const intruder = await anotherBrowser(browser, testInfo);
  await signIn(intruder, testInfo, email);
  await expect(intruder).toHaveURL(SIGNED_IN);
  await open(intruder, "/account/two-factor", testInfo);
  await intruder.getByRole("button", { name: "Set up an authenticator app" }).click();
  const key = (await intruder.locator("code.manual-key").textContent())!.trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key.replace(/\s+/g, "")) });
  await intruder.getByLabel("Code", { exact: true }).fill(totp.generate());
  await intruder.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(intruder).toHaveURL(/\/account\/recovery-codes$/);

  await ownerTakesBack(page, testInfo, email, "from a browser it had not seen before");

  await open(intruder, "/account", testInfo);
  await expect(intruder).toHaveURL(/\/login/);
  // Without the app the owner signs in with the new password alone.
  await signIn(page, testInfo, email, NEW_PASSWORD);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/two-factor", testInfo);
  await expect(page.getByRole("button", { name: "Set up an authenticator app" })).toBeVisible();
  // The old password (which the intruder knew) no longer works.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, testInfo, email, PASSWORD);
  await expect(page).toHaveURL(/\/login/);
  await intruder.context().close();
});

test("a reset names the account and its factors, and removes a ticked passkey", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== "js", "adding a passkey is a browser API");
  const email = await verifiedAccount(page, testInfo, "Owner Three");
  await virtualAuthenticator(page, "usb");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  await addPasskey(page, testInfo, "Drawer key");
  await expect(page).toHaveURL(/\/account\/recovery-codes$/);
  const codes = await page.locator("ol.recovery-codes code").allTextContents();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  await open(page, "/recover", testInfo);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page).toHaveURL(/\/recover\/sent$/);
  await open(page, linkIn(await mailTo(email, "recover/reset")), testInfo);
  await expect(page.locator(".link-account strong")).toHaveText(`${email[0]}•••@example.com`);
  await expect(page.getByText("Your second factors")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("reset-factors-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: testInfo.outputPath("reset-factors-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });
  await expectAccessible(page);
  await page.getByRole("checkbox", { name: /Drawer key/ }).check();
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again").fill(NEW_PASSWORD);
  await page.getByLabel("Code", { exact: true }).fill(codes[0]);
  await page.getByRole("button", { name: "Change my password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);

  await signIn(page, testInfo, email, NEW_PASSWORD);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/security", testInfo);
  await expect(page.locator("li.passkey-item")).toHaveCount(0);
});

test("a passkey stands in for the code when resetting the password", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== "js", "WebAuthn is a browser API");
  const email = await verifiedAccount(page, testInfo, "Owner Four");
  await virtualAuthenticator(page, "internal");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  await addPasskey(page, testInfo, "Phone");
  await expect(page).toHaveURL(/\/account\/recovery-codes$/);
  await page.context().clearCookies();

  await open(page, "/recover", testInfo);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page).toHaveURL(/\/recover\/sent$/);
  await open(page, linkIn(await mailTo(email, "recover/reset")), testInfo);
  // The passkey needs the new password typed first.
  await page.getByRole("button", { name: "Use your passkey or security key" }).click();
  await expect(page.locator("[data-passkey-status]")).toContainText("Type the password above first.");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again").fill(NEW_PASSWORD);
  // The sign-in page the reset leads to signs straight in through the
  // passkey's autofill, so the reset's own answer is what is checked.
  const reset = page.waitForResponse((response) => response.url().endsWith("/api/recover/reset"));
  await page.getByRole("button", { name: "Use your passkey or security key" }).click();
  expect((await reset).ok()).toBe(true);
  await mailTo(email, "was just changed");
});

import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { addPasskey, expectAccessible, mailTo, open, PASSWORD, settled, signIn, verifiedAccount, virtualAuthenticator } from "./support";

/** The account page itself, not the second step's `?next=/account`. */
const SIGNED_IN = /^[^?]*\/account$/;

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

test.describe("with JavaScript", () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "WebAuthn is a browser API");

  test("add a passkey, sign in with it from the address field's autofill and as a second factor, rename and remove it", async ({ page }, testInfo) => {
    const email = await verifiedAccount(page, testInfo, "Pass Key");
    const { cdp, authenticatorId } = await virtualAuthenticator(page, "internal");
    // Without presence the authenticator leaves requests waiting, as a person
    // who ignores the passkey offer would.
    const presence = (enabled: boolean) =>
      cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled });
    await signIn(page, testInfo, email);
    await expect(page).toHaveURL(SIGNED_IN);

    await addPasskey(page, testInfo, "Work laptop");
    // The first second factor comes with recovery codes.
    await expect(page).toHaveURL(/\/account\/recovery-codes$/);
    await expect(page.locator("ol.recovery-codes code")).toHaveCount(10);
    await mailTo(email, "Work laptop\u201d was just added");
    await open(page, "/account/two-factor", testInfo);
    await expect(page.getByText("After your password, signing in asks for your passkey")).toBeVisible();
    await expect(page.locator(".codes-left")).toHaveText("10");

    await open(page, "/account/security", testInfo);
    const item = page.locator("li.passkey-item");
    await expect(item).toHaveCount(1);
    await expect(item.getByRole("heading")).toContainText("Work laptop");
    await expect(item.locator(".badge")).toHaveText("Passkey on a device");
    await expect(item).toContainText("Not used yet");
    await page.screenshot({ path: testInfo.outputPath("passkeys-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: testInfo.outputPath("passkeys-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
    await expectAccessible(page);

    // Passwordless: the sign-in page offers the passkey in the address
    // field's autofill, and the virtual authenticator takes the offer.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(SIGNED_IN);

    // After the password, the passkey is the second step.
    await presence(false);
    await signOut(page);
    await settled(page, testInfo);
    await expect(page.getByLabel("Email address")).toHaveAttribute("autocomplete", "username webauthn");
    await signIn(page, testInfo, email);
    await expect(page).toHaveURL(/\/login\/mfa\?next=/);
    await settled(page, testInfo);
    await expectAccessible(page);
    await presence(true);
    await page.getByRole("button", { name: "Use your passkey or security key" }).click();
    await expect(page).toHaveURL(SIGNED_IN);

    await open(page, "/account/security", testInfo);
    await expect(item).not.toContainText("Not used yet");
    await item.getByLabel("Name").fill("Old laptop");
    await item.getByRole("button", { name: "Rename" }).click();
    await expect(page.getByText("The passkey was renamed.")).toBeVisible();
    await expect(item.getByRole("heading")).toContainText("Old laptop");
    await item.getByRole("button", { name: "Remove Old laptop" }).click();
    await expect(page.getByText("The passkey was removed.")).toBeVisible();
    await expect(page.locator("li.passkey-item")).toHaveCount(0);
    await mailTo(email, "Old laptop\u201d was just removed");

    await open(page, "/account/activity", testInfo);
    await expect(page.locator("tr.event-passkey_added")).toHaveCount(1);
    await expect(page.locator("tr.event-passkey_used")).toHaveCount(2);
    await expect(page.locator("tr.event-passkey_renamed")).toHaveCount(1);
    await expect(page.locator("tr.event-passkey_removed")).toHaveCount(1);

    // The authenticator still holds the removed credential: it signs nobody in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("alert")).toContainText("That passkey did not work.");
    await expect(page).toHaveURL(/\/login/);
  });

  test("a security key: a replayed answer and a copied key are refused", async ({ page }, testInfo) => {
    const email = await verifiedAccount(page, testInfo, "Key Ring");
    const { cdp, authenticatorId } = await virtualAuthenticator(page, "usb");
    await signIn(page, testInfo, email);
    await expect(page).toHaveURL(SIGNED_IN);
    await addPasskey(page, testInfo, "Blue key");
    await expect(page).toHaveURL(/\/account\/recovery-codes$/);
    await open(page, "/account/security", testInfo);
    await expect(page.locator("li.passkey-item .badge")).toHaveText("Security key");
    await signOut(page);

    // Keep what the browser sends to finish the sign-in, then send it again.
    let finish = "";
    page.on("request", (request) => {
      if (request.url().endsWith("/api/auth/passkey")) finish = request.postData() ?? "";
    });
    await open(page, "/login", testInfo);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page).toHaveURL(SIGNED_IN);
    expect(finish).toContain("ceremony=");
    const replay = await page.request.post("/api/auth/passkey", {
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        "sec-fetch-site": "same-origin",
      },
      data: finish,
    });
    expect(replay.status()).toBe(400);
    expect(await replay.text()).toContain("passkey.failed");
    await signOut(page);

    // A copy of the key: same private key, but its counter starts again.
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    const [original] = credentials;
    expect(original.signCount).toBeGreaterThan(0);
    await cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId: original.credentialId });
    await cdp.send("WebAuthn.addCredential", { authenticatorId, credential: { ...original, signCount: 0 } });
    await open(page, "/login", testInfo);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page.getByRole("alert")).toContainText("That passkey did not work.");
    await mailTo(email, "which can mean it was copied");

    await signIn(page, testInfo, email);
    await expect(page).toHaveURL(/\/login\/mfa/);
  });
});

test("a passkey account confirms sudo mode with its password and the passkey, not the password alone", async ({ page, javaScriptEnabled }, testInfo) => {
  test.skip(!javaScriptEnabled, "WebAuthn is a browser API");
  const email = await verifiedAccount(page, testInfo, "Sudo Key");
  await virtualAuthenticator(page, "internal");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  await addPasskey(page, testInfo, "Desk key");
  await expect(page).toHaveURL(/\/account\/recovery-codes$/);
  // The e2e server lets a sign-in count for 20 seconds.
  await page.waitForTimeout(21_000);

  await open(page, "/login/reauth?next=/account/security", testInfo);
  await expectAccessible(page);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page.locator("#field-code-error")).toContainText("Enter the code from your authenticator app");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Use your passkey or security key" }).click();
  await expect(page).toHaveURL(/\/account\/security$/);
  const item = page.locator("li.passkey-item");
  await settled(page, testInfo);
  await item.getByLabel("Name").fill("Office key");
  await item.getByRole("button", { name: "Rename" }).click();
  await expect(page.getByText("The passkey was renamed.")).toBeVisible();
});

test("without JavaScript, the pages say passkeys need it and passwords keep working", async ({ page, javaScriptEnabled }, testInfo) => {
  test.skip(javaScriptEnabled, "the no-script view");
  const email = await verifiedAccount(page, testInfo, "No Script");
  await open(page, "/login", testInfo);
  await expect(page.getByText("Passkeys need JavaScript.")).toBeVisible();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: testInfo.outputPath("login-no-script-phone.png"), fullPage: true });
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toHaveCount(0);
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  await open(page, "/account/security", testInfo);
  await expect(page.getByText("You have not added a passkey yet.")).toBeVisible();
  await expect(page.getByText("Passkeys need JavaScript.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add a passkey or security key" })).toHaveCount(0);
});


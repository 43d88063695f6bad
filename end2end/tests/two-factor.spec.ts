import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { appCode, expectAccessible, mailTo, open, PASSWORD, screenshotsInBothLanguages, settled, SIGNED_IN, signIn, verifiedAccount } from "./support";

test("turn on an authenticator app by its key, sign in with a code and a recovery code; replays and guessing are refused", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Two Factor");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  await page.getByRole("link", { name: "Turn on two-factor sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  await settled(page, testInfo);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();

  const qr = page.getByRole("img", { name: "QR code to add Latchkey to an authenticator app" });
  await expect(qr).toBeVisible();
  expect(await qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml;base64,/);
  expect(await qr.getAttribute("data-otpauth")).toMatch(/^otpauth:\/\/totp\/Latchkey:.*issuer=Latchkey/);
  await page.screenshot({ path: testInfo.outputPath("two-factor-qr.png"), fullPage: true });
  if (testInfo.project.name === "js") await expectAccessible(page);
  const key = (await page.locator("code.manual-key").textContent())!.trim();
  expect(key).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{4}$/);

  // A wrong first code: no word of recovery codes, which do not exist yet.
  await page.getByLabel("Code", { exact: true }).fill("000000" === appCode(key) ? "111111" : "000000");
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page.locator("#field-code-error")).toContainText("Enter the 6-digit code your app shows now");
  await expect(page.locator("#field-code-error")).not.toContainText("recovery");
  await page.getByLabel("Code", { exact: true }).fill(appCode(key));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/recovery-codes$/);
  await expect(page.locator("ol.recovery-codes code")).toHaveCount(10);
  const codes = await page.locator("ol.recovery-codes code").allTextContents();
  await mailTo(email, "authenticator app was just added");
  // A reload keeps them on screen until the customer says they are saved.
  await page.reload();
  await expect(page.locator("ol.recovery-codes code")).toHaveText(codes);
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page).toHaveURL(/\/account\/two-factor\?saved=1$/);
  await expect(page.getByRole("status").filter({ hasText: "Keep your recovery codes somewhere safe" })).toBeVisible();
  await open(page, "/account/recovery-codes", testInfo);
  await expect(page.getByText("These recovery codes are no longer shown")).toBeVisible();
  await expect(page.getByRole("button", { name: "I have saved them" })).toHaveCount(0);

  // Sign in again: the password alone is not enough.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/login\/mfa\?next=/);
  await settled(page, testInfo);
  // A number pad on a phone, focused, filled in by the phone where it can.
  const appField = page.getByLabel("Code", { exact: true });
  await expect(appField).toHaveAttribute("autocomplete", "one-time-code");
  await expect(appField).toHaveAttribute("inputmode", "numeric");
  await expect(appField).toHaveAttribute("maxlength", "7");
  await expect(appField).toBeFocused();
  await expect(page.getByRole("link", { name: "Not your account? Sign in with another" })).toHaveAttribute("href", "/login");
  if (testInfo.project.name === "js") await expectAccessible(page);
  // The next step's code: the current one was used up by the set-up.
  const code = appCode(key, 1);
  await page.getByLabel("Code", { exact: true }).fill(code);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(SIGNED_IN);

  // The same code again is a replay.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/login\/mfa/);
  await settled(page, testInfo);
  await page.getByLabel("Code", { exact: true }).fill(code);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#field-code-error")).toContainText("That code did not work.");
  // A recovery code has letters: its own field, one link away.
  await page.getByRole("link", { name: "Lost your phone? Use a recovery code" }).click();
  await expect(page).toHaveURL(/\/login\/mfa\?with=recovery&next=/);
  await settled(page, testInfo);
  await page.getByLabel("Recovery code").fill(codes[0].toUpperCase());
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(SIGNED_IN);

  await open(page, "/account/two-factor", testInfo);
  await expect(page.locator(".codes-left")).toHaveText("9");
  await open(page, "/account/activity", testInfo);
  await expect(page.locator("tr.event-recovery_code_used")).toHaveCount(1);
  await expect(page.locator("tr.event-second_factor_replayed")).toHaveCount(1);
  await expect(page.locator("tr.event-totp_enabled")).toHaveCount(1);

  // Guessing codes locks the account like guessing passwords.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/login\/mfa/);
  await page.getByRole("link", { name: "Lost your phone? Use a recovery code" }).click();
  for (let attempt = 0; attempt < 3; attempt++) {
    await settled(page, testInfo);
    await page.getByLabel("Recovery code").fill("abcde-fghjk");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.locator("#field-code-error")).toContainText("That code did not work.");
  }
  await settled(page, testInfo);
  await page.getByLabel("Recovery code").fill(codes[1]);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#field-code-error")).toContainText("That code did not work.");
  await mailTo(email, "/unlock?token=");
});

test("two-factor on the phone in your hand: open the key in the app, cancel, save the codes, and confirm before voiding them or turning it off", async ({ page, context }, testInfo) => {
  const js = testInfo.project.name === "js";
  await page.setViewportSize({ width: 360, height: 780 });
  if (js) await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const email = await verifiedAccount(page, testInfo, "Pat Phone");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);

  // A set-up started by mistake can be cancelled.
  await open(page, "/account/two-factor", testInfo);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await page.getByRole("button", { name: "Cancel the set-up" }).click();
  await expect(page).toHaveURL(/cancelled=1/);
  await expect(page.getByText("The set-up is cancelled; two-factor sign-in stays off.")).toBeVisible();
  await expect(page.getByText("Two-factor sign-in is off.")).toBeVisible();

  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByRole("link", { name: "Open in authenticator app" })).toHaveAttribute("href", /^otpauth:\/\/totp\/Latchkey:/);
  const key = (await page.locator("code.manual-key").textContent())!.trim();
  const copyKey = page.getByRole("button", { name: "Copy the key" });
  if (js) {
    await settled(page, testInfo);
    await copyKey.click();
    await expect(page.getByText("Copied.")).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  } else {
    // Without JavaScript there is no copying: no button that does nothing.
    await expect(copyKey).toBeHidden();
  }
  const code = page.getByLabel("Code", { exact: true });
  await expect(code).toHaveAttribute("inputmode", "numeric");
  await screenshotsInBothLanguages(page, testInfo, "two-factor-setup");
  await code.fill(appCode(key));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/recovery-codes$/);

  // The codes, with a file that names the account and the day, in the page's language.
  const codes = await page.locator("ol.recovery-codes code").allTextContents();
  expect(codes).toHaveLength(10);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download as a text file" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^latchkey-recovery-codes-${email.replace(/[.+]/g, "\\$&")}-\\d{4}-\\d{2}-\\d{2}\\.txt$`));
  const file = fs.readFileSync((await download.path())!, "utf8");
  expect(file).toContain(`Account: ${email}`);
  for (const one of codes) expect(file).toContain(one);
  if (js) {
    await page.getByRole("button", { name: "Copy the codes" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join("\n"));
    await expect(page.getByRole("button", { name: "Print" })).toBeVisible();
    await expectAccessible(page);
  } else {
    await expect(page.getByRole("button", { name: "Print" })).toBeHidden();
  }
  await screenshotsInBothLanguages(page, testInfo, "recovery-codes");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page).toHaveURL(/saved=1/);

  // New codes void the old ones: the page says so before it happens, and Cancel changes nothing.
  await page.getByRole("link", { name: "Make new recovery codes…" }).click();
  await expect(page.getByRole("heading", { name: "Make new recovery codes?" })).toBeVisible();
  await expect(page.getByText("Every recovery code you have now stops working at once")).toBeVisible();
  await screenshotsInBothLanguages(page, testInfo, "two-factor-new-codes");
  await page.locator("#new-codes").getByRole("link", { name: "Cancel" }).click();
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  await expect(page.locator(".codes-left")).toHaveText("10");

  // Turning it off asks who you are; a wrong password changes nothing.
  await page.getByRole("link", { name: "Turn off two-factor sign-in…" }).click();
  await expect(page.getByRole("heading", { name: "Turn off two-factor sign-in?" })).toBeVisible();
  await settled(page, testInfo);
  if (js) await expectAccessible(page);
  await screenshotsInBothLanguages(page, testInfo, "two-factor-turn-off");
  // An empty box is asked for, not taken for a wrong password.
  await page.getByRole("button", { name: "Turn off two-factor sign-in" }).click();
  await expect(page.locator("#field-current_password-error")).toHaveText("Enter your current password.");
  await settled(page, testInfo);
  await page.getByLabel("Current password").fill("Not-My-Password-1!");
  await page.getByRole("button", { name: "Turn off two-factor sign-in" }).click();
  await expect(page.locator("#field-current_password-error")).not.toBeEmpty();
  await expect(page.getByText("Two-factor sign-in is on.")).toBeVisible();
  await settled(page, testInfo);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Turn off two-factor sign-in" }).click();
  await expect(page).toHaveURL(/removed=1/);
  await expect(page.getByText("Two-factor sign-in is off.", { exact: true })).toBeVisible();
});

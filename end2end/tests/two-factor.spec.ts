import { expect, test } from "@playwright/test";
import { appCode, expectAccessible, mailTo, open, settled, SIGNED_IN, signIn, verifiedAccount } from "./support";

test("turn on an authenticator app by its key, sign in with a code and a recovery code; replays and guessing are refused", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Two Factor");
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  await page.getByRole("link", { name: "Two-factor sign-in" }).click();
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

  await page.getByLabel("Code", { exact: true }).fill("000000" === appCode(key) ? "111111" : "000000");
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await page.getByLabel("Code", { exact: true }).fill(appCode(key));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/recovery-codes$/);
  await expect(page.locator("ol.recovery-codes code")).toHaveCount(10);
  const codes = await page.locator("ol.recovery-codes code").allTextContents();
  await expect(page.getByRole("link", { name: "Download as a text file" })).toHaveAttribute("href", /^data:text\/plain/);
  await mailTo(email, "authenticator app was just added");
  await page.reload();
  await expect(page.getByText("Recovery codes are shown only once.")).toBeVisible();

  // Sign in again: the password alone is not enough.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/login\/mfa\?next=/);
  await settled(page, testInfo);
  await expect(page.getByLabel("Code", { exact: true })).toHaveAttribute("autocomplete", "one-time-code");
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
  await page.getByLabel("Code", { exact: true }).fill(codes[0].toUpperCase());
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
  for (let attempt = 0; attempt < 3; attempt++) {
    await settled(page, testInfo);
    await page.getByLabel("Code", { exact: true }).fill("abcde-fghjk");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.locator("#field-code-error")).toContainText("That code did not work.");
  }
  await settled(page, testInfo);
  await page.getByLabel("Code", { exact: true }).fill(codes[1]);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#field-code-error")).toContainText("That code did not work.");
  await mailTo(email, "/unlock?token=");
});

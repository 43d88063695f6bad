import { expect, test } from "@playwright/test";
import { freshEmail, open, PASSWORD, register, settled, signIn, verifiedAccount } from "./support";

test("the password policy explains every failed rule and keeps what was typed", async ({ page }, testInfo) => {
  const email = freshEmail(testInfo, "policy");
  await register(page, testInfo, email, "Li Wei", "short");
  const errors = page.locator("#field-password-error");
  await expect(errors).toContainText("Use at least 12 characters.");
  await expect(errors).toContainText("Add an upper-case letter.");
  await expect(errors).toContainText("Add a digit.");
  await expect(errors).toContainText("Add a symbol such as ! or #.");
  await expect(page.getByRole("alert")).toContainText("Please correct the marked fields.");
  await expect(page.getByLabel("Email address")).toHaveValue(email);
  await expect(page.getByLabel("Your name")).toHaveValue("Li Wei");
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue(testInfo.project.name === "js" ? "short" : "");
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("aria-describedby", /field-password-error/);

  await page.getByLabel("Password", { exact: true }).fill("Password123!");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(errors).toContainText("This password is too common or easy to guess.");
  await expect(page.getByLabel("Email address")).toHaveValue(email);
});

test("the rules are checked in the browser while typing", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === "nojs", "needs JavaScript; the server check is covered above");
  await open(page, "/register", testInfo);
  await page.getByLabel("Password", { exact: true }).pressSequentially("abc");
  await expect(page.locator(".live-check")).toContainText("Use at least 12 characters.");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await expect(page.locator(".live-check li")).toHaveCount(0);

  // Letters beyond ASCII are judged by the browser as the server judges
  // them: É is upper case, é lower case, and the name matches in any case.
  const live = page.locator(".live-check");
  await page.getByLabel("Password", { exact: true }).fill("ÉCOLE-ÉTÉ-2024-NUIT");
  await expect(live).toContainText("Add a lower-case letter.");
  await expect(live).not.toContainText("Add an upper-case letter.");
  await expect(live).not.toContainText("Add a symbol");
  await page.getByLabel("Your name").fill("Zoë Ürban");
  await page.getByLabel("Password", { exact: true }).fill("ürban-Été-2024!");
  await expect(live).toContainText("Do not use your name in the password.");
  await expect(live).not.toContainText("Add a lower-case letter.");
});

test("a taken address gets the same answer as a new one", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Taken");
  await register(page, testInfo, email, "Someone Else");
  await expect(page).toHaveURL(/\/register\/sent$/);
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
});

test("unknown addresses and wrong passwords get the same message", async ({ page }, testInfo) => {
  const email = await verifiedAccount(page, testInfo, "Wrong");
  await signIn(page, testInfo, email, "Wrong-Password-99!");
  const wrong = await page.getByRole("alert").innerText();
  await expect(page.getByLabel("Email address")).toHaveValue(email);
  await signIn(page, testInfo, freshEmail(testInfo, "nobody"), "Wrong-Password-99!");
  await expect(page.getByRole("alert")).toHaveText(wrong);
  expect(wrong).toContain("do not match");

  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  await page.goto("/account/activity");
  await expect(page.locator("table.activity")).toContainText("Failed sign-in");
});

test("the show-password switch reveals the password when scripts run", async ({ page }, testInfo) => {
  await open(page, "/login", testInfo);
  const toggle = page.getByLabel("Show password");
  if (testInfo.project.name === "nojs") {
    await expect(toggle).toBeHidden();
    return;
  }
  await page.getByLabel("Password", { exact: true }).fill("Secret-Value-1!");
  await toggle.check();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("type", "text");
});

test("a Chinese page's islands answer in Chinese, as they are drawn", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === "nojs", "the islands' own rendering needs JavaScript; the server's Chinese pages are covered elsewhere");
  await open(page, "/register", testInfo);
  await page.getByRole("link", { name: "中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await settled(page, testInfo);
  // Drawn in the browser by the registration island.
  await page.getByLabel("密码", { exact: true }).pressSequentially("abc");
  await expect(page.locator(".live-check")).toContainText("至少使用 12 个字符。");

  await page.goto("/login");
  await settled(page, testInfo);
  await page.getByLabel("邮箱地址").fill(freshEmail(testInfo, "zh"));
  await page.getByLabel("密码", { exact: true }).fill("Wrong-Password-99!");
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("邮箱地址与密码不匹配。请检查后重试。");
  // Answered in place by the sign-in island, not by a new page.
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
});

test("a form that cannot reach the server says so in the page's language, and keeps what was typed", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === "nojs", "without scripts the browser itself shows a failed post");
  await open(page, "/login", testInfo);
  await page.getByRole("link", { name: "中文" }).click();
  await settled(page, testInfo);
  const email = freshEmail(testInfo, "offline");
  await page.getByLabel("邮箱地址").fill(email);
  await page.getByLabel("密码", { exact: true }).fill(PASSWORD);
  await page.route("**/api/auth/login", (route) => route.abort());
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("无法连接服务器。请检查网络后重试。");
  await expect(page.getByLabel("邮箱地址")).toHaveValue(email);
  // The button is ready for another try, with its own word again.
  await expect(page.getByRole("button", { name: "登录", exact: true })).toBeVisible();
});

import { Browser, BrowserContext, expect, Page, TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as OTPAuth from "otpauth";
import { OUTBOX, ROOT, SERVER_ENV } from "../playwright.config";

export const PASSWORD = "Tangerine-Kayak-Violet-72";

/** A fresh address per test, so tests never share an account. */
export function freshEmail(testInfo: TestInfo, label = "user"): string {
  const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return `${label}-${testInfo.project.name}-${unique}@example.com`;
}

/** Opens a page and, with JavaScript on, waits until the app is hydrated. */
export async function open(page: Page, url: string, testInfo: TestInfo) {
  await page.goto(url);
  await settled(page, testInfo);
}

export async function settled(page: Page, testInfo: TestInfo) {
  if (testInfo.project.name === "js") {
    await page.waitForSelector("html[data-hydrated]");
  }
}

export interface Mail {
  to: string;
  subject: string;
  body: string;
}

function readMail(file: string): Mail {
  const text = fs.readFileSync(file, "utf8");
  const [head, ...rest] = text.split("\r\n\r\n");
  const header = (name: string) => head.match(new RegExp(`^${name}: (.*)$`, "mi"))?.[1]?.trim() ?? "";
  return { to: header("To"), subject: header("Subject"), body: rest.join("\r\n\r\n") };
}

/**
 * Waits until at least `count` mails to `to` contain `containing`, and
 * returns the newest of them.
 */
export async function mailTo(to: string, containing: string, count = 1): Promise<Mail> {
  let found: Mail[] = [];
  await expect
    .poll(
      () => {
        if (!fs.existsSync(OUTBOX)) return 0;
        const files = fs.readdirSync(OUTBOX).filter((f) => f.endsWith(".eml")).sort().reverse();
        found = files.map((f) => readMail(path.join(OUTBOX, f))).filter((m) => m.to === to && m.body.includes(containing));
        return found.length;
      },
      { message: `${count} mail(s) to ${to} containing ${containing}`, timeout: 15_000 },
    )
    .toBeGreaterThanOrEqual(count);
  return found[0];
}

export function linkIn(mail: Mail): string {
  const link = mail.body.split(/\s+/).find((word) => word.includes("token="));
  if (!link) throw new Error(`no link in mail: ${mail.body}`);
  return link;
}

export async function register(page: Page, testInfo: TestInfo, email: string, name: string, password = PASSWORD) {
  await open(page, "/register", testInfo);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

export async function signIn(page: Page, testInfo: TestInfo, email: string, password = PASSWORD) {
  await open(page, "/login", testInfo);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs `email` in from another browser (a context of its own, with the project's JavaScript setting). */
export async function signInElsewhere(browser: Browser, testInfo: TestInfo, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ javaScriptEnabled: testInfo.project.name === "js" });
  const page = await context.newPage();
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/account$/);
  return { context, page };
}

/** Registers and verifies an account, leaving the browser signed out. */
export async function verifiedAccount(page: Page, testInfo: TestInfo, name = "Test User"): Promise<string> {
  const email = freshEmail(testInfo);
  await register(page, testInfo, email, name);
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  // As if the mail were opened on another device: the registering browser
  // would continue into the account, and callers start signed out.
  await page.context().clearCookies({ name: "lk_registered" });
  await open(page, linkIn(await mailTo(email, "verify-email")), testInfo);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page).toHaveURL(/\/login\?verified=1$/);
  return email;
}

/**
 * No serious or critical accessibility violation on the page as it is now,
 * in the light and in the dark colour scheme (contrast differs).
 */
export async function expectAccessible(page: Page) {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
      `${colorScheme} scheme`,
    ).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: null });
}

/**
 * Chromium's virtual authenticator (CDP WebAuthn domain): a built-in
 * platform passkey ("internal") or a roaming USB security key, both with
 * resident keys and user verification, answering every prompt at once.
 */
export async function virtualAuthenticator(page: Page, transport: "internal" | "usb") {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** Adds a passkey from the security page (the browser must be signed in, in sudo mode). */
export async function addPasskey(page: Page, testInfo: TestInfo, name: string) {
  await open(page, "/account/security", testInfo);
  await page.getByLabel("Name of the new passkey").fill(name);
  await page.getByRole("button", { name: "Add a passkey or security key" }).click();
}

/** The account page itself, not the second step's `?next=/account`. */
export const SIGNED_IN = /^[^?]*\/account$/;

/** The code an authenticator app shows for `key` (as the page prints it), `offsetSteps` from now. */
export function appCode(key: string, offsetSteps = 0): string {
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(key.replace(/\s+/g, "")),
    algorithm: "SHA1",
    digits: 6,
    period: 30,
  });
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

/** The operators' CLI beside the running server, as an operator runs it. */
export function latchkey(...args: string[]): string {
  return execFileSync(path.join(ROOT, "target", "debug", "latchkey"), args, {
    cwd: ROOT,
    env: { ...process.env, ...SERVER_ENV },
    encoding: "utf8",
  });
}

/**
 * A staff member holding `role` (granted by the CLI) with an authenticator
 * app, left signed out (the grant ended its session); returns its address and key.
 */
export async function staffMember(page: Page, testInfo: TestInfo, role: string, name: string): Promise<{ email: string; key: string }> {
  const email = await verifiedAccount(page, testInfo, name);
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  const key = await enrollApp(page, testInfo);
  latchkey("staff", "add", "--email", email, "--role", role, "--reason", `joined as ${role}`);
  return { email, key };
}

/** Turns on an authenticator app for the signed-in account; returns its key. */
export async function enrollApp(page: Page, testInfo: TestInfo): Promise<string> {
  await open(page, "/account/two-factor", testInfo);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const key = (await page.locator("code.manual-key").textContent())!.trim();
  await page.getByLabel("Code", { exact: true }).fill(appCode(key));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/recovery-codes$/);
  return key;
}

/** Signs a staff member in with the password and the app's next code. */
export async function staffSignIn(page: Page, testInfo: TestInfo, member: { email: string; key: string }) {
  await signIn(page, testInfo, member.email);
  await expect(page).toHaveURL(/\/login\/mfa/);
  await settled(page, testInfo);
  await page.getByLabel("Code", { exact: true }).fill(appCode(member.key, 1));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(SIGNED_IN);
}

/** With SCREENSHOT_DIR set, the page as it looks on a phone and a desktop. */
export async function screenshots(page: Page, testInfo: TestInfo, name: string) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${dir}/${name}-${testInfo.project.name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 720 });
}

/** With SCREENSHOT_DIR set, `screenshots` of the page in English and in Chinese. */
export async function screenshotsInBothLanguages(page: Page, testInfo: TestInfo, name: string) {
  if (!process.env.SCREENSHOT_DIR) return;
  await screenshots(page, testInfo, `${name}-en`);
  await page.getByRole("link", { name: "中文" }).click();
  await settled(page, testInfo);
  await screenshots(page, testInfo, `${name}-zh`);
  await page.getByRole("link", { name: "English" }).click();
  await settled(page, testInfo);
}

/**
 * Runs `body` while no other test (in either project) runs a body under the
 * same `name`: for the few flows that share one server-wide state, such as
 * the single running access review. The server's start clears stale locks.
 */
export async function exclusively<T>(name: string, body: () => Promise<T>): Promise<T> {
  const lock = path.join(path.dirname(OUTBOX), `${name}.lock`);
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

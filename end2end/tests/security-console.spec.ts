import { APIRequestContext, Browser, expect, Page, test, TestInfo } from "@playwright/test";
import * as fs from "node:fs";
import { expectAccessible, freshEmail, open, PASSWORD, screenshots, settled, SIGNED_IN, signIn, staffMember, staffSignIn, verifiedAccount } from "./support";

// The server believes X-Forwarded-For from 127.0.0.1 here (playwright.config.ts),
// so an attack can come from a network of its own, apart from every other
// test's traffic (all of which comes from 127.0.0.1).
const ATTACKER = { js: "198.51.100.23", nojs: "203.0.113.23" } as const;
const THIEF = { js: "192.0.2.41", nojs: "192.0.2.141" } as const;
// LATCHKEY_ALERT_NETWORK_ADDRESSES in playwright.config.ts.
const STUFFING_THRESHOLD = 50;

function networkOf(table: Record<"js" | "nojs", string>, testInfo: TestInfo): string {
  return table[testInfo.project.name as "js" | "nojs"];
}

/** One sign-in attempt through the API, as a script (no browser) sends it. */
async function scriptedSignIn(request: APIRequestContext, ip: string, email: string, password: string) {
  return request.post("/api/auth/login", {
    headers: { "Sec-Fetch-Site": "same-origin", Accept: "application/json", "X-Forwarded-For": ip },
    form: { email, password, next: "" },
  });
}

/** A security admin (alerts, audit and the response to a compromise), signed in on `page`. */
async function securityAdmin(page: Page, testInfo: TestInfo) {
  const member = await staffMember(page, testInfo, "security_admin", "Sid Security");
  await staffSignIn(page, testInfo, member);
  return member;
}

/** A second browser, signed in as `email`. */
async function customerBrowser(browser: Browser, testInfo: TestInfo, email: string): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: testInfo.project.name === "js" });
  const page = await context.newPage();
  await signIn(page, testInfo, email);
  await expect(page).toHaveURL(SIGNED_IN);
  return page;
}

test("a stuffing attack shows on the alerts page, live with JavaScript, and is acknowledged with a note", async ({ page, request }, testInfo) => {
  await securityAdmin(page, testInfo);
  await open(page, "/staff/alerts", testInfo);
  await expect(page.getByRole("heading", { name: "Alerts", level: 1 })).toBeVisible();
  const attacker = networkOf(ATTACKER, testInfo);
  const alert = page.locator("li.alert-item", { hasText: attacker });
  await expect(alert).toHaveCount(0);

  for (let attempt = 0; attempt < STUFFING_THRESHOLD; attempt++) {
    const answer = await scriptedSignIn(request, attacker, freshEmail(testInfo, `stuffed${attempt}`), "Guessed-Password-1!");
    expect(answer.ok()).toBe(false);
  }

  if (testInfo.project.name === "js") {
    // No reload: the page's event stream brings it.
    await expect(alert).toHaveCount(1);
    await expect(page.getByText("A new alert arrived.")).toBeVisible();
  } else {
    await open(page, "/staff/alerts", testInfo);
    await expect(alert).toHaveCount(1);
  }
  await expect(alert.getByRole("heading", { name: "One network failing sign-ins for many addresses" })).toBeVisible();
  await expect(alert).toContainText(String(STUFFING_THRESHOLD));
  if (testInfo.project.name === "js") await expectAccessible(page);
  await screenshots(page, testInfo, "staff-alerts");

  // Blank is refused with the note kept for the next try; a note is kept with the alert.
  await alert.getByLabel("Note").fill("   ");
  await alert.getByRole("button", { name: "Acknowledge" }).click();
  const again = page.locator("li.alert-item", { hasText: attacker });
  await expect(again.locator(".field-errors")).not.toBeEmpty();
  await settled(page, testInfo);
  await again.getByLabel("Note").fill("Blocked the network at the firewall");
  await again.getByRole("button", { name: "Acknowledge" }).click();
  await expect(page).toHaveURL(/done=acknowledged/);
  const acknowledged = page.locator("li.alert-item", { hasText: attacker });
  await expect(acknowledged).toContainText("Blocked the network at the firewall");
  await expect(acknowledged.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
});

test("responding to a compromise from its alert signs the customer out everywhere", async ({ page, browser, request }, testInfo) => {
  const customer = await verifiedAccount(page, testInfo, "Cleo Compromised");
  const customerPage = await customerBrowser(browser, testInfo, customer);
  // The same password, minutes later, from another network: the thief.
  const thief = await scriptedSignIn(request, networkOf(THIEF, testInfo), customer, PASSWORD);
  expect(thief.ok()).toBe(true);

  await securityAdmin(page, testInfo);
  await open(page, "/staff/alerts", testInfo);
  const alert = page.locator("li.alert-item", { has: page.getByRole("link", { name: customer }) });
  await expect(alert.getByRole("heading", { name: "Sign-ins from two networks too close in time" })).toBeVisible();
  await alert.getByLabel("Reason").fill("Ticket 8812: sign-in from an unknown country");
  await alert.getByRole("button", { name: "Respond to compromise" }).click();
  await expect(page).toHaveURL(/done=responded/);
  await expect(page.getByText("every session of the customer ended")).toBeVisible();

  await customerPage.goto("/account");
  await expect(customerPage).toHaveURL(/\/login/);
  await customerPage.context().close();
});

test("the audit log filters by account and exports what it shows", async ({ page }, testInfo) => {
  const customer = await verifiedAccount(page, testInfo, "Ada Audited");
  await signIn(page, testInfo, customer);
  await expect(page).toHaveURL(SIGNED_IN);
  await page.getByRole("button", { name: "Sign out" }).click();

  await securityAdmin(page, testInfo);
  await open(page, "/staff/audit", testInfo);
  await page.getByLabel("Account concerned").fill(customer);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/subject=/);
  const rows = page.locator("table.audit tbody tr");
  await expect(rows.filter({ hasText: "Signed in" }).first()).toBeVisible();
  for (const row of await rows.all()) await expect(row).toContainText(customer);
  if (testInfo.project.name === "js") await expectAccessible(page);
  await screenshots(page, testInfo, "staff-audit");

  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export as CSV" }).click()]);
  const csvText = fs.readFileSync((await csv.path())!, "utf8");
  const lines = csvText.trim().split(/\r?\n/);
  expect(lines[0]).toContain("Account concerned");
  expect(lines.length - 1).toBe(await rows.count());
  expect(lines.slice(1).every((line) => line.includes(customer))).toBe(true);

  const [jsonl] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export as JSON lines, with hashes" }).click()]);
  const entries = fs.readFileSync((await jsonl.path())!, "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(entries.length).toBe(lines.length - 1);
  for (const entry of entries) expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
});

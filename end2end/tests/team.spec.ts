import { expect, Locator, Page, test, TestInfo } from "@playwright/test";
import { expectAccessible, freshEmail, open, PASSWORD, screenshots, settled, staffMember, staffSignIn } from "./support";

/** A signed-in security admin (CLI-granted, with an authenticator app). */
async function securityAdmin(page: Page, testInfo: TestInfo, name: string) {
  const admin = await staffMember(page, testInfo, "security_admin", name);
  await staffSignIn(page, testInfo, admin);
  return admin;
}

/** The team page's form under this heading. */
function teamForm(page: Page, heading: string): Locator {
  return page.locator("form", { has: page.getByRole("heading", { name: heading, exact: true }) });
}


test("a security admin invites a member, grants and revokes a role with a reason, and offboards", async ({ page, browser }, testInfo) => {
  const admin = await securityAdmin(page, testInfo, "Ada Admin");
  await open(page, "/staff", testInfo);
  await page.getByRole("navigation", { name: "Staff console" }).getByRole("link", { name: "Team" }).click();
  await expect(page).toHaveURL(/\/staff\/team$/);
  await expect(page.getByRole("heading", { name: "Team", level: 1 })).toBeVisible();
  await settled(page, testInfo);
  if (testInfo.project.name === "js") await expectAccessible(page);

  // Invite: the single-use link is shown once, on the page.
  const newbie = freshEmail(testInfo, "newbie");
  const invite = teamForm(page, "Invite a member");
  await invite.getByLabel("Email address").fill(newbie);
  await invite.getByLabel("Name (optional)").fill("Nia Newbie");
  await invite.getByLabel("Role").selectOption({ label: "support" });
  await invite.getByLabel("Reason").fill("Joins support on Monday");
  await invite.getByRole("button", { name: "Invite" }).click();
  await expect(page).toHaveURL(/\/staff\/team\?done=invited$/);
  const link = (await page.locator("code.invitation-link").textContent())!.trim();
  expect(link).toContain("/recover/reset?token=");
  await expect(page.getByRole("row", { name: /Nia Newbie/ })).toContainText("support");
  await settled(page, testInfo);
  await screenshots(page, testInfo, "team");

  // The link sets the new member's first password, as the CLI's does.
  const theirs = await browser.newContext({ javaScriptEnabled: testInfo.project.name === "js" });
  const newcomer = await theirs.newPage();
  await open(newcomer, link, testInfo);
  await newcomer.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await newcomer.getByLabel("New password again").fill(PASSWORD);
  await newcomer.getByRole("button", { name: "Change my password" }).click();
  await expect(newcomer).toHaveURL(/\/login\?reset=1$/);
  await theirs.close();

  await page.reload();
  await expect(page.locator("code.invitation-link")).toHaveCount(0);
  await settled(page, testInfo);

  // Nobody changes their own roles: refused in words, in place.
  const grant = teamForm(page, "Grant a role");
  await grant.getByLabel("Member").selectOption({ label: `Ada Admin <${admin.email}>` });
  await grant.getByLabel("Role").selectOption({ label: "auditor" });
  await grant.getByLabel("Reason").fill("Audit week");
  await grant.getByRole("button", { name: "Grant the role" }).click();
  await expect(teamForm(page, "Grant a role").getByRole("alert")).toContainText("Nobody grants or revokes their own roles.");
  await settled(page, testInfo);

  const member = `Nia Newbie <${newbie}>`;
  await grant.getByLabel("Member").selectOption({ label: member });
  await grant.getByLabel("Role").selectOption({ label: "auditor" });
  await grant.getByLabel("Reason").fill("   ");
  await grant.getByRole("button", { name: "Grant the role" }).click();
  await expect(teamForm(page, "Grant a role").getByRole("alert")).toContainText("Please correct the marked fields.");
  await expect(teamForm(page, "Grant a role").getByText("Give a reason.")).toBeVisible();
  await settled(page, testInfo);
  await grant.getByLabel("Member").selectOption({ label: member });
  await grant.getByLabel("Role").selectOption({ label: "auditor" });
  await grant.getByLabel("Reason").fill("Audit week");
  await grant.getByRole("button", { name: "Grant the role" }).click();
  await expect(page).toHaveURL(/\?done=granted$/);
  await expect(page.getByRole("row", { name: /Nia Newbie/ })).toContainText("auditor, support");
  await settled(page, testInfo);

  const revoke = teamForm(page, "Revoke a role");
  await revoke.getByLabel("Member").selectOption({ label: member });
  await revoke.getByLabel("Role").selectOption({ label: "auditor" });
  await revoke.getByLabel("Reason").fill("Audit week is over");
  await revoke.getByRole("button", { name: "Revoke the role" }).click();
  await expect(page).toHaveURL(/\?done=revoked$/);
  await expect(page.getByRole("row", { name: /Nia Newbie/ })).not.toContainText("auditor");
  await settled(page, testInfo);

  const offboard = teamForm(page, "Offboard a member");
  await offboard.getByLabel("Member").selectOption({ label: member });
  await offboard.getByLabel("Reason").fill("Left the company");
  await offboard.getByRole("button", { name: "Offboard" }).click();
  await expect(page).toHaveURL(/\?done=offboarded$/);
  await expect(page.getByRole("status")).toContainText("every session ended");
  await expect(page.getByRole("row", { name: /Nia Newbie/ })).toHaveCount(0);
});

test("the roles page shows what each role carries and creates a custom role", async ({ page }, testInfo) => {
  await securityAdmin(page, testInfo, "Rita Roles");
  await open(page, "/staff/roles", testInfo);
  await expect(page.getByRole("heading", { name: "Roles", level: 1 })).toBeVisible();
  const lead = page.locator("article#role-support_lead");
  await expect(lead).toContainText("built-in");
  await expect(lead).toContainText("customer.disable");
  await expect(lead).toContainText("customer.unlock"); // from support, which it includes
  if (testInfo.project.name === "js") await expectAccessible(page);

  const form = page.locator("form", { has: page.getByRole("heading", { name: "Create a custom role" }) });
  await form.getByLabel("Name", { exact: true }).fill("Not A Name");
  await form.getByRole("button", { name: "Create the role" }).click();
  await expect(page.locator("form", { has: page.getByRole("heading", { name: "Create a custom role" }) }).getByRole("alert")).toContainText(
    "Use 1 to 40 lower-case letters",
  );
  await settled(page, testInfo);

  const name = `crew_${testInfo.project.name}_${Date.now().toString(36)}`;
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Description").fill("Night shift helpers");
  await form.getByLabel(/Read customer accounts/).check();
  await form.getByRole("checkbox", { name: "support", exact: true }).check();
  await form.getByRole("button", { name: "Create the role" }).click();
  await expect(page).toHaveURL(new RegExp(`/staff/roles\\?saved=${name}$`));
  const role = page.locator(`article#role-${name}`);
  await expect(role).toContainText("custom");
  await expect(role).toContainText("Night shift helpers");
  await expect(role).toContainText("customer.sessions"); // carried through support
  await settled(page, testInfo);
  await screenshots(page, testInfo, "roles");
});

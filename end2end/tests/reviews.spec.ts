import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { exclusively, expectAccessible, open, screenshots, settled, staffMember, staffSignIn } from "./support";

/** Yesterday as an ISO day: training finished in the past. */
function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

test("a security admin records training and runs an access review to its report", async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  const auditor = await staffMember(page, testInfo, "auditor", "Kim Kept");
  const agent = await staffMember(page, testInfo, "support", "Rex Revoked");
  const admin = await staffMember(page, testInfo, "security_admin", "Ria Reviewer");
  await staffSignIn(page, testInfo, admin);

  await open(page, "/staff/reviews", testInfo);
  await expect(page.getByRole("heading", { name: "Reviews and training", level: 1 })).toBeVisible();
  await page.getByLabel("Course").fill("Phishing and social engineering 2026");
  await page.getByLabel("Completed on").fill(yesterday());
  await page.getByRole("button", { name: "Record my training" }).click();
  await expect(page).toHaveURL(/done=trained/);
  await expect(page.getByRole("status")).toContainText("Your training is recorded");
  await expect(page.locator("#training-status")).toContainText("Up to date");
  await expect(page.locator("#training-status")).toContainText("Phishing and social engineering 2026");

  // One review runs at a time on the server: the other project's run of
  // this test waits for this one to close its review.
  await exclusively("access-review", async () => {
    await open(page, "/staff/reviews", testInfo);
    await page.getByRole("button", { name: "Open a review now" }).click();
    await expect(page).toHaveURL(/done=opened/);
    await expect(page.getByText("The review is open.")).toBeVisible();
    // An item by its grantee (the heading); a reviewer's address shows in other items too.
    const item = (email: string) => page.locator("li.review-item", { has: page.getByRole("heading", { name: email }) });
    await expect(item(auditor.email)).toContainText("auditor");
    await expect(item(admin.email)).toContainText("Your own role: another reviewer decides it.");
    await expect(item(admin.email).getByRole("button", { name: "Decide" })).toHaveCount(0);
    if (testInfo.project.name === "js") await expectAccessible(page);
    await screenshots(page, testInfo, "staff-reviews");

    // A blank reason is refused beside its field.
    await item(agent.email).getByLabel("Decision").selectOption({ label: "Revoke the role now" });
    await item(agent.email).getByLabel("Reason").fill("   ");
    await item(agent.email).getByRole("button", { name: "Decide" }).click();
    await expect(item(agent.email).locator(".field-errors")).not.toBeEmpty();
    await settled(page, testInfo);
    await item(agent.email).getByLabel("Decision").selectOption({ label: "Revoke the role now" });
    await item(agent.email).getByLabel("Reason").fill("Moved to the billing team");
    await item(agent.email).getByRole("button", { name: "Decide" }).click();
    await expect(page).toHaveURL(/done=decided/);
    await expect(item(agent.email)).toContainText("Moved to the billing team");

    await item(auditor.email).getByLabel("Decision").selectOption({ label: "Keep the role" });
    await item(auditor.email).getByLabel("Reason").fill("Still runs the quarterly audit");
    await item(auditor.email).getByRole("button", { name: "Decide" }).click();
    await expect(page).toHaveURL(/done=decided/);
    await expect(item(auditor.email)).toContainText("Still runs the quarterly audit");

    // Other tests' staff are in this review too: close it with the rest undecided.
    await page.getByLabel("Reason").last().fill("Quarter ended; the rest go to the next review");
    await page.getByRole("button", { name: "Close the review" }).click();
    await expect(page).toHaveURL(/done=closed/);
    await expect(page.getByText("The review is closed.")).toBeVisible();
  });

  const [report] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download the report (CSV)" }).click(),
  ]);
  const csv = fs.readFileSync((await report.path())!, "utf8");
  const line = (email: string) => csv.split("\r\n").find((row) => row.includes(email)) ?? "";
  expect(line(agent.email)).toContain("Moved to the billing team");
  expect(line(agent.email)).toContain(admin.email);
  expect(line(auditor.email)).toContain("Still runs the quarterly audit");

  // The revoked role is gone at once: the console is refused to that member.
  await page.getByRole("button", { name: "Sign out" }).click();
  await staffSignIn(page, testInfo, agent);
  await open(page, "/staff", testInfo);
  await expect(page.getByRole("heading", { name: "Access refused" })).toBeVisible();
});

// What a first visit downloads, measured in the browser itself: every script
// and WASM response (the lazily loaded islands included) as it came over the
// wire, with Accept-Encoding as Chromium sends it. Prints "route bytes" per
// line. Usage: node bench/first-visit.mjs BASE COOKIE ROUTE...
// (COOKIE is "name=value" for signed-in routes, or "-" for none.)
import { createRequire } from "node:module";
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, cookie, ...routes] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
for (const route of routes) {
  // A fresh context is an empty cache: a first visit.
  const context = await browser.newContext();
  if (cookie !== "-") {
    const [name, ...value] = cookie.split("=");
    await context.addCookies([{ name, value: value.join("="), url: base }]);
  }
  const page = await context.newPage();
  const responses = [];
  page.on("response", (response) => {
    if (/\.(js|wasm)(\?|$)/.test(new URL(response.url()).pathname)) responses.push(response);
  });
  await page.goto(base + route);
  await page.waitForSelector("html[data-hydrated]", { timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  let total = 0;
  for (const response of responses) {
    total += (await response.request().sizes()).responseBodySize;
  }
  console.log(`${route} ${total} ${responses.length}`);
  await context.close();
}
await browser.close();

import { defineConfig } from "@playwright/test";
import * as path from "node:path";

// One server for the whole run, on its own port, data and outbox.
export const ROOT = path.resolve(__dirname, "..");
const root = ROOT;
const workDir = path.join(root, "target", "e2e");
// E2E_PORT lets two checkouts run their suites side by side.
export const PORT = Number(process.env.E2E_PORT ?? 3400);
export const OUTBOX = path.join(workDir, "outbox");

const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

/** The server's environment; the operators' CLI in a test runs with it too. */
export const SERVER_ENV: Record<string, string> = {
  LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
  LEPTOS_SITE_ROOT: path.join(root, "target", "site"),
  LATCHKEY_PUBLIC_URL: `http://localhost:${PORT}`,
  DATABASE_URL: `sqlite://${path.join(workDir, "latchkey.db")}`,
  LATCHKEY_SECRET_KEY_FILE: "",
  LATCHKEY_MAIL_OUTBOX: OUTBOX,
  // Every test registers from 127.0.0.1; the per-IP limits are tested over HTTP.
  LATCHKEY_REGISTRATIONS_PER_IP_PER_HOUR: "10000",
  LATCHKEY_SIGN_INS_PER_IP_PER_MINUTE: "10000",
  // The same goes for failed sign-ins: the suite's dozen or so wrong
  // passwords, each for another address, all come from 127.0.0.1. And it
  // grants roles at whatever hour it runs. Both rules are tested over HTTP.
  LATCHKEY_ALERT_NETWORK_ADDRESSES: "50",
  LATCHKEY_ALERT_WORKING_HOURS: "Mon-Sun 00:00-24:00",
  // The alerts tests attack from networks of their own, named in
  // X-Forwarded-For; browsers send no such header.
  LATCHKEY_TRUSTED_PROXIES: "127.0.0.1",
  // Sudo mode lapses after 20 s here (5 min by default), so one test can
  // wait it out; every other flow finishes well within it.
  LATCHKEY_REAUTH_SECS: "20",
  RUST_LOG: "warn",
};

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    launchOptions: chromium,
    locale: "en-GB",
    trace: "retain-on-failure",
  },
  projects: [
    { name: "js", use: { javaScriptEnabled: true } },
    { name: "nojs", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `rm -rf "${workDir}" && mkdir -p "${workDir}" && exec "${path.join(root, "target", "debug", "latchkey")}"`,
    cwd: root,
    url: `http://localhost:${PORT}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: SERVER_ENV,
  },
});

// Opens a page in headless Chromium over the DevTools protocol (--remote-debugging-pipe: JSON
// messages ending in NUL, on file descriptors 3 and 4), awaits the promise `window.finished`,
// and prints its value as JSON on stdout.
//
//   node cdp.mjs CHROMIUM URL TIMEOUT_MS
//
// Exit status: 0 with the JSON printed; 2 on a protocol error; 3 on the timeout. The browser is
// killed by its own PID in every case. Only Node's standard library is used.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [chromium, url, timeoutText] = process.argv.slice(2);
const timeoutMs = Number(timeoutText ?? "60000");
const profile = mkdtempSync(join(tmpdir(), "sse-wire-chromium-"));

const browser = spawn(
  chromium,
  [
    "--headless=new",
    "--no-sandbox", // CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--remote-debugging-pipe",
    `--user-data-dir=${profile}`,
    "about:blank",
  ],
  { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
);
let browserLog = "";
browser.stderr.on("data", (chunk) => {
  browserLog = (browserLog + chunk).slice(-4000);
});

let stopping = false;
function stop(status, message) {
  if (stopping) return;
  stopping = true;
  if (message) process.stderr.write(`${message}\n`);
  if (status !== 0 && browserLog) process.stderr.write(`chromium's last output:\n${browserLog}\n`);
  const cleanUp = () => {
    try {
      // The browser may still be writing its profile as it dies: retry, and never fail on it.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (error) {
      process.stderr.write(`leaving ${profile}: ${error.message}\n`);
    }
    process.exit(status);
  };
  if (browser.exitCode !== null || browser.signalCode !== null) return cleanUp();
  browser.removeAllListeners("exit");
  browser.on("exit", cleanUp);
  setTimeout(cleanUp, 5000); // bounded, even if the exit is never reported
  try {
    process.kill(browser.pid, "SIGKILL");
  } catch {
    cleanUp(); // already gone
  }
}

const timer = setTimeout(() => stop(3, `timeout after ${timeoutMs} ms`), timeoutMs);
browser.on("exit", (code, signal) => stop(2, `chromium exited early (${code ?? signal})`));

const toBrowser = browser.stdio[3];
const fromBrowser = browser.stdio[4];
const pending = new Map();
const waiters = [];
let nextId = 1;
let inbox = "";

fromBrowser.on("data", (chunk) => {
  inbox += chunk.toString("utf8");
  for (let end = inbox.indexOf("\0"); end >= 0; end = inbox.indexOf("\0")) {
    const message = JSON.parse(inbox.slice(0, end));
    inbox = inbox.slice(end + 1);
    if (message.id !== undefined && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(`${JSON.stringify(message.error)}`));
      else resolve(message.result);
    } else if (message.method) {
      for (const waiter of [...waiters]) {
        if (waiter.method === message.method && waiter.sessionId === message.sessionId) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message.params);
        }
      }
    }
  }
});

function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(`${JSON.stringify(message)}\0`);
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

function event(method, sessionId) {
  return new Promise((resolve) => waiters.push({ method, sessionId, resolve }));
}

try {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  await send("Page.enable", {}, sessionId);
  const loaded = event("Page.loadEventFired", sessionId);
  await send("Page.navigate", { url }, sessionId);
  await loaded;
  const evaluated = await send(
    "Runtime.evaluate",
    {
      expression: "window.finished.then((value) => JSON.stringify(value))",
      awaitPromise: true,
      returnByValue: true,
    },
    sessionId,
  );
  if (evaluated.exceptionDetails) {
    throw new Error(`the page threw: ${JSON.stringify(evaluated.exceptionDetails)}`);
  }
  process.stdout.write(`${evaluated.result.value}\n`);
  clearTimeout(timer);
  stop(0);
} catch (error) {
  clearTimeout(timer);
  stop(2, `DevTools protocol: ${error.message}`);
}

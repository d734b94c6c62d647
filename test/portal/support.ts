// The portal's browser tests: a real gateway (startTestGateway), the real portal server
// (portal/server.ts, production build) as a child process pointed at it, and Debian's Chromium
// driven by playwright-core. The build is made once and reused until the portal's sources change
// (portal/build.ts), in portal/.next-test so a developer's running portal is left alone.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensurePortalBuild } from '../../portal/build';
import type { DatabaseKind } from '../support/databases';
import { startTestGateway, ROOT_TOKEN, type TestGateway, type TestGatewayOptions } from '../support/gateway';

const REPO = path.resolve(__dirname, '..', '..');
export const TEST_DIST_DIR = '.next-test';
export const ARTIFACTS_DIR = path.join(REPO, 'test', 'artifacts');
/** Set by `.ci/run`; without it the browser suites are skipped (npm test says so up front). */
export const BROWSER = process.env.TEST_BROWSER;
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Building on a cold machine takes a minute or two; give the first beforeAll room. */
export const BUILD_TIMEOUT_MS = 300_000;

export interface PortalChild {
  url: string;
  process: ChildProcess;
  output(): string;
  close(): Promise<void>;
}

/** Starts `portal/server.ts` against a gateway; resolves once it listens. */
export async function startPortalServer(gatewayUrl: string, distDir = TEST_DIST_DIR): Promise<PortalChild> {
  await ensurePortalBuild({ distDir });
  const child = spawn(process.execPath, ['--import', 'tsx', 'portal/server.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORTAL_PORT: '0', GATEWAY_URL: gatewayUrl, PORTAL_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the portal did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Portal: (http:\/\/localhost:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the portal exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    process: child,
    output: () => output,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: BROWSER, args: CHROMIUM_ARGS, headless: true });
}

export interface PortalStack {
  t: TestGateway;
  portal: PortalChild;
  browser: Browser;
  /** A new page (own context, own sessionStorage) at a portal path, signed in as `auth` (`clientId:token`) if given. */
  open(pathname: string, options?: { auth?: string; width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startPortalStack(kind: DatabaseKind, options: TestGatewayOptions = {}): Promise<PortalStack> {
  const t = await startTestGateway(kind, options);
  let portal: PortalChild | undefined;
  let browser: Browser | undefined;
  try {
    portal = await startPortalServer(t.url);
    browser = await launchBrowser();
  } catch (error) {
    await browser?.close();
    await portal?.close();
    await t.close();
    throw error;
  }
  const p = portal;
  const b = browser;
  return {
    t,
    portal: p,
    browser: b,
    async open(pathname, openOptions = {}) {
      const context = await b.newContext({ viewport: { width: openOptions.width ?? 1280, height: openOptions.height ?? 900 } });
      const page = await context.newPage();
      if (process.env.PORTAL_TEST_DEBUG) {
        // PORTAL_TEST_DEBUG=1 prints the page's console and WebSocket frames, to see why a test waits.
        page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
        page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
        page.on('websocket', (ws) => {
          ws.on('framesent', (f) => console.log(`[ws sent] ${String(f.payload).slice(0, 300)}`));
          ws.on('framereceived', (f) => console.log(`[ws recv] ${String(f.payload).slice(0, 300)}`));
          ws.on('close', () => console.log('[ws closed]'));
        });
      }
      if (openOptions.auth) {
        const [clientId, ...rest] = openOptions.auth.split(':');
        // sessionStorage belongs to the origin: set it on a first page, then go where asked.
        await page.goto(`${p.url}/signin`);
        await page.evaluate(([id, token]) => (globalThis as any).sessionStorage.setItem('taskgate.credentials', JSON.stringify({ clientId: id, accessToken: token })), [
          clientId,
          rest.join(':'),
        ]);
      }
      await page.goto(`${p.url}${pathname}`);
      return page;
    },
    async close() {
      await b.close();
      await p.close();
      await t.close();
    },
  };
}

export const ROOT_AUTH = `root:${ROOT_TOKEN}`;

/** Saves a screenshot of the page to test/artifacts/portal-<name>.png (not committed). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `portal-${name}.png`), fullPage });
}

// Vitest's expect does not wait for the page; these do (then fail with what the page showed).
export const WAIT_MS = 15_000;

type Waitable = { waitFor(options: { state: 'visible' | 'hidden' | 'attached' | 'detached'; timeout?: number }): Promise<void>; innerText(): Promise<string> };

export async function visible(locator: Waitable, ms = WAIT_MS): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: ms });
}

export async function hidden(locator: Waitable, ms = WAIT_MS): Promise<void> {
  await locator.waitFor({ state: 'hidden', timeout: ms });
}

/** Waits until the element's text contains `expected` (or matches it); answers the text. */
export async function hasText(locator: Waitable, expected: string | RegExp, ms = WAIT_MS): Promise<string> {
  const deadline = Date.now() + ms;
  let text = '';
  for (;;) {
    try {
      text = await locator.innerText();
    } catch {
      text = '(not found)';
    }
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`expected text ${String(expected)}, the page shows: ${text.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls `read` until `check` holds; answers the last value. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = WAIT_MS, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms; last value: ${JSON.stringify(value)?.slice(0, 1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

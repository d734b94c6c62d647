// The portal in headless Chromium against a real gateway and the production build:
//   1. time until a 10,000-task group page is interactive (all tasks listed, search answering),
//   2. the JavaScript the docs home page loads (bytes over the wire and unpacked),
//   3. a 100,000-line log: time until every line is there, and the longest frame while scrolling.
// Aims (issue 6): 1 under 2 s, 2 under 250 KB.
// `npx tsx bench/portal/portal.ts`; BENCH_PORTAL_DB=mysql uses MariaDB (BENCH_MYSQL_URL) instead of
// SQLite, BENCH_RUNS sets the repetitions (default 5). Chromium: TEST_BROWSER or /usr/bin/chromium.
import os from 'node:os';
import slugid from 'slugid';
import type { Page } from 'playwright-core';
import { sizeFromEnv, MYSQL_URL } from '../support/env';
import { median } from '../support/stats';
import { startTestGateway, type TestGateway } from '../../test/support/gateway';
import { claim, createTask, makeTask, uniqueQueue } from '../../test/support/tasks';
import { CHROMIUM_ARGS, ROOT_AUTH, startPortalServer, type PortalChild } from '../../test/portal/support';
import { chromium, type Browser } from 'playwright-core';

const RUNS = sizeFromEnv('BENCH_RUNS', 5);
const TASKS = sizeFromEnv('BENCH_GROUP_TASKS', 10_000);
const LOG_LINES = sizeFromEnv('BENCH_LOG_LINES', 100_000);
const DB = process.env.BENCH_PORTAL_DB === 'mysql' ? 'mysql' : 'sqlite';
const BROWSER = process.env.TEST_BROWSER ?? '/usr/bin/chromium';

const ms = (v: number) => `${Math.round(v)} ms`;
const kb = (v: number) => `${(v / 1024).toFixed(1)} KB`;

async function signedInPage(browser: Browser, portal: PortalChild): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${portal.url}/signin`);
  const [clientId, token] = ROOT_AUTH.split(':');
  await page.evaluate(([id, t]) => (globalThis as any).sessionStorage.setItem('taskgate.credentials', JSON.stringify({ clientId: id, accessToken: t })), [clientId, token]);
  return page;
}

async function makeGroup(t: TestGateway): Promise<string> {
  const queue = uniqueQueue();
  const taskGroupId = slugid.nice();
  const batch = 2000;
  for (let from = 0; from < TASKS; from += batch) {
    const tasks = Array.from({ length: Math.min(batch, TASKS - from) }, (_, i) => ({
      taskId: slugid.nice(),
      task: makeTask({ taskQueueId: queue, taskGroupId, metadata: { name: `shard ${String(from + i).padStart(5, '0')}`, owner: 'bench@example.com', source: 'https://example.com' }, payload: {} }),
    }));
    await t.ok(`mutation ($tasks: [TaskGraphEntry!]!) { createTaskGraph(tasks: $tasks) { taskId } }`, { tasks }, t.root);
  }
  return taskGroupId;
}

/** From navigation to: first rows shown; every task listed; a search typed then answered. */
async function groupRun(browser: Browser, portal: PortalChild, taskGroupId: string) {
  const page = await signedInPage(browser, portal);
  const started = Date.now();
  await page.goto(`${portal.url}/groups/${taskGroupId}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => (globalThis as any).document.querySelector('[data-testid="group-tasks"] [role="listitem"]'), null, { polling: 'raf', timeout: 60_000 });
  const firstRows = Date.now() - started;
  await page.waitForFunction(() => (globalThis as any).document.querySelector('[data-testid="group-progress"]')?.dataset.loaded === 'true', null, { polling: 'raf', timeout: 60_000 });
  const loaded = Date.now() - started;
  const typed = Date.now();
  await page.getByLabel('Search tasks by name').fill(`shard ${String(TASKS - 1).padStart(5, '0')}`);
  await page.waitForFunction(() => /^1 shown/.test((globalThis as any).document.querySelector('[data-testid="group-progress"]')?.textContent ?? ''), null, { polling: 'raf', timeout: 10_000 });
  const interactive = Date.now() - started;
  const search = Date.now() - typed;
  await page.context().close();
  return { firstRows, loaded, interactive, search };
}

async function docsJs(browser: Browser, portal: PortalChild) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const scripts: { url: string; wire: Promise<number>; unpacked: Promise<number> }[] = [];
  page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return;
    scripts.push({
      url: request.url(),
      wire: request.sizes().then((s) => s.responseBodySize),
      unpacked: request
        .response()
        .then((r) => r?.body())
        .then((b) => b?.length ?? 0),
    });
  });
  await page.goto(`${portal.url}/docs`, { waitUntil: 'networkidle' });
  const wire = (await Promise.all(scripts.map((s) => s.wire))).reduce((a, b) => a + b, 0);
  const unpacked = (await Promise.all(scripts.map((s) => s.unpacked))).reduce((a, b) => a + b, 0);
  await context.close();
  return { files: scripts.length, wire, unpacked };
}

async function logRun(browser: Browser, portal: PortalChild, taskId: string, runId: number) {
  const page = await signedInPage(browser, portal);
  const started = Date.now();
  await page.goto(`${portal.url}/tasks/${taskId}/runs/${runId}/log`, { waitUntil: 'commit' });
  const want = LOG_LINES.toLocaleString('en-US');
  await page.waitForFunction((w) => ((globalThis as any).document.querySelector('[data-testid="line-count"]')?.textContent ?? '').startsWith(w), want, { polling: 'raf', timeout: 120_000 });
  const allLines = Date.now() - started;
  // Scroll from the top to the bottom in 120 steps, one per frame; record the longest frame.
  const longestFrame = await page.evaluate(async () => {
    const g = globalThis as any;
    const list = g.document.querySelector('[data-testid="log-lines"]');
    list.scrollTop = 0;
    let worst = 0;
    let last = g.performance.now();
    for (let i = 1; i <= 120; i++) {
      list.scrollTop = (list.scrollHeight * i) / 120;
      await new Promise((resolve) => g.requestAnimationFrame(resolve));
      const now = g.performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }
    return worst;
  });
  await page.context().close();
  return { allLines, longestFrame };
}

async function main(): Promise<void> {
  if (DB === 'mysql') process.env.TEST_MYSQL_URL = MYSQL_URL;
  const t = await startTestGateway(DB, { env: { LOG_LEVEL: 'silent', GRAPHQL_MAX_BODY_BYTES: '16777216' } });
  let portal: PortalChild | undefined;
  let browser: Browser | undefined;
  try {
    const setupStarted = Date.now();
    portal = await startPortalServer(t.url, '.next-test');
    browser = await chromium.launch({ executablePath: BROWSER, args: CHROMIUM_ARGS, headless: true });
    const taskGroupId = await makeGroup(t);
    const queue = uniqueQueue();
    const logTask = await createTask(t, { taskQueueId: queue });
    const [c] = await claim(t, queue);
    for (let from = 0; from < LOG_LINES; from += 10_000) {
      const lines = Array.from({ length: Math.min(10_000, LOG_LINES - from) }, (_, i) => `[build] step ${from + i}: compiling module ${(from + i) % 977} of the project`);
      await t.ok(`mutation ($t: ID!, $r: Int!, $f: Int!, $l: [String!]!) { appendTaskLog(taskId: $t, runId: $r, fromLine: $f, lines: $l) }`, { t: logTask.taskId, r: c.runId, f: from, l: lines }, c.auth);
    }
    console.log(`setup (build if needed, ${TASKS} tasks, ${LOG_LINES} log lines): ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);
    console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}; ${DB}; Chromium ${browser.version()}; portal production build`);

    // One warm-up load each, so the figures are of a running portal, not its first request.
    await groupRun(browser, portal, taskGroupId);
    const group = [];
    for (let i = 0; i < RUNS; i++) group.push(await groupRun(browser, portal, taskGroupId));
    console.log(`\n${TASKS.toLocaleString('en-US')}-task group page, ${RUNS} runs (median, worst):`);
    for (const key of ['firstRows', 'loaded', 'interactive', 'search'] as const) {
      const values = group.map((g) => g[key]);
      const label = { firstRows: 'first rows shown', loaded: 'every task listed', interactive: 'interactive (listed + search answered)', search: 'search answered after typing' }[key];
      console.log(`  ${label.padEnd(40)} ${ms(median(values)).padStart(8)}  ${ms(Math.max(...values)).padStart(8)}`);
    }

    const docs = await docsJs(browser, portal);
    console.log(`\ndocs home (/docs): ${docs.files} JavaScript files, ${kb(docs.wire)} over the wire (${kb(docs.unpacked)} unpacked)`);

    await logRun(browser, portal, logTask.taskId, c.runId);
    const logs = [];
    for (let i = 0; i < RUNS; i++) logs.push(await logRun(browser, portal, logTask.taskId, c.runId));
    console.log(`\n${LOG_LINES.toLocaleString('en-US')}-line log, ${RUNS} runs (median, worst):`);
    console.log(`  ${'every line shown'.padEnd(40)} ${ms(median(logs.map((l) => l.allLines))).padStart(8)}  ${ms(Math.max(...logs.map((l) => l.allLines))).padStart(8)}`);
    console.log(`  ${'longest frame scrolling top to bottom'.padEnd(40)} ${ms(median(logs.map((l) => l.longestFrame))).padStart(8)}  ${ms(Math.max(...logs.map((l) => l.longestFrame))).padStart(8)}`);
  } finally {
    await browser?.close();
    await portal?.close();
    await t.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

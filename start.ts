// `npm start`: the whole platform on one machine — gateway, then cron, then the portal (built on
// the first start) — on the embedded SQLite default. Each runs as its own child process, as in
// production; Ctrl-C stops them all.
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ConfigError, loadConfig } from './entities/config';
import { openCore } from './entities/core';
import { createLogger } from './entities/log';
import { ensureLocalPool, LOCAL_POOL_ID } from './entities/provisioning/bootstrap';

interface Service {
  name: string;
  entry: string;
  /** Resolves when the service can take requests. */
  ready?: (child: ChildProcess) => Promise<void>;
  /** Environment variables of its own. */
  env?: Record<string, string>;
}

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
})();

const gatewayHost = `http://localhost:${config.gatewayPort}`;
const services: Service[] = [
  { name: 'gateway', entry: 'gateway/main.ts', ready: () => waitForUrl(`${gatewayHost}/readyz`, 60_000) },
  { name: 'cron', entry: 'cron/main.ts' },
  // The portal's first start builds it (about a minute); it then forwards /graphql to the gateway.
  {
    name: 'portal',
    entry: 'portal/server.ts',
    env: { PORTAL_PORT: String(config.portalPort), GATEWAY_URL: config.gatewayUrl },
    ready: () => waitForUrl(`http://localhost:${config.portalPort}/`, 600_000),
  },
];
const children: ChildProcess[] = [];
let stopping = false;

async function main() {
  for (const service of services) {
    const child = launch(service);
    await Promise.race([service.ready?.(child), exited(child, service.name)]);
  }
  await ensureWorkerPool().catch((error) => console.error(`Could not create the worker pool ${LOCAL_POOL_ID}: ${error instanceof Error ? error.message : error}`));
  console.log(
    [
      '',
      'Taskgate is running.',
      `  Portal (docs, explorer, inspectors): http://localhost:${config.portalPort}`,
      `  GraphQL (HTTP and WebSocket): ${config.gatewayUrl}`,
      `  Health: ${gatewayHost}/healthz   Readiness: ${gatewayHost}/readyz`,
      `  Worker pool ${LOCAL_POOL_ID}: up to 2 worker processes on this machine, started as tasks arrive.`,
      '  Sign in with Authorization: Bearer root:<accessToken> — the root token is printed above on',
      '  the first start, or is the ROOT_ACCESS_TOKEN you set.',
      '  Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

/** The local worker pool `local/default` (0–2 workers on this machine); cron provisions it. */
async function ensureWorkerPool(): Promise<void> {
  const core = await openCore(config, { log: createLogger('warn', 'start') });
  try {
    if (await ensureLocalPool(core)) console.log(`Created the worker pool ${LOCAL_POOL_ID}: tasks with taskQueueId "${LOCAL_POOL_ID}" run on this machine.`);
  } finally {
    await core.close();
  }
}

function launch(service: Service): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, service.entry)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...service.env },
  });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => console.log(`[${service.name}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[${service.name}] exited (${signal ?? `code ${code}`}); stopping the rest.`);
    void stopAll(1);
  });
  return child;
}

function exited(child: ChildProcess, name: string): Promise<never> {
  return new Promise((_, reject) => child.once('exit', () => reject(new Error(`${name} did not start`))));
}

async function waitForUrl(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  void stopAll(1);
});

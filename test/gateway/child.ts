// The real gateway program (`gateway/main.ts`) as a child process, for start-up and shutdown
// tests. Every child started here is killed by `killChildren()`, whatever the test did.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../support/databases';
import { CREDENTIALS_KEY, ROOT_TOKEN, SECRETS_KEYS } from '../support/gateway';

const REPO = path.resolve(__dirname, '..', '..');

export interface GatewayChild {
  process: ChildProcess;
  port: number;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited, with its exit code (null if killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

/** A port nothing listens on right now: listen on 0, read the port, close. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `node --import tsx gateway/main.ts` with exactly `env` (plus PATH and HOME), so the
 * test's own environment cannot leak into the child's configuration.
 */
export function spawnGateway(env: Record<string, string>): GatewayChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const port = Number(env.GATEWAY_PORT ?? 4000);
  return {
    process: child,
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    stdout: () => out,
    stderr: () => err,
    exited,
  };
}

/** Waits until `/healthz` answers, failing early (with the child's output) if it exits. */
export async function waitUntilListening(child: GatewayChild, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exit: { code: number | null } | undefined;
  void child.exited.then((e) => (exit = e));
  while (Date.now() < deadline) {
    if (exit) throw new Error(`the gateway exited with ${exit.code} before listening:\n${child.stderr()}\n${child.stdout()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${child.port}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateway did not listen within ${ms} ms:\n${child.stderr()}\n${child.stdout()}`);
}

/** Kills every child still running and waits for each to be gone. */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
}

/** A stack trace line, as Node prints them. */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>)$/m;

export interface Replicas {
  a: GatewayChild;
  b: GatewayChild;
  database: TestDatabase;
  /** Kills both gateways and removes their database and data folder. */
  stop(): Promise<void>;
}

/**
 * Two gateway processes sharing one fresh database, one Redis and one data folder (artifacts),
 * as two replicas behind a load balancer would.
 */
export async function startReplicas(kind: DatabaseKind, redisUrl: string): Promise<Replicas> {
  const database = await createTestDatabase(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-replicas-'));
  const env = async () => ({
    DATABASE_URL: database.url,
    PUBSUB_URL: redisUrl,
    ROOT_ACCESS_TOKEN: ROOT_TOKEN,
    CREDENTIALS_KEY,
    SECRETS_KEYS,
    // Nothing of the test may land in the repository's ./data.
    DATA_DIR: dataDir,
    ARTIFACTS_URL: `file:${dataDir}/artifacts`,
    LOG_LEVEL: 'warn',
    GATEWAY_PORT: String(await freePort()),
  });
  const a = spawnGateway(await env());
  const b = spawnGateway(await env());
  await Promise.all([waitUntilListening(a), waitUntilListening(b)]);
  return {
    a,
    b,
    database,
    async stop() {
      await killChildren();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

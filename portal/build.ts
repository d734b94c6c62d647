// Builds the portal when its build is missing or older than its sources (the portal's files, the
// gateway schema its reference pages are generated from, and the lockfile). `npm start`,
// `npm run portal`, the browser tests and the benchmark call this, so a build is made once and
// reused until something it depends on changes. One build at a time per output folder: the others
// wait on a lock folder.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const PORTAL_DIR = __dirname;
const ROOT = path.join(PORTAL_DIR, '..');
const STAMP = 'taskgate-source-hash';
/** Folders and files of portal/ that are outputs, not sources. */
const NOT_SOURCES = new Set(['node_modules', 'next-env.d.ts', 'tsconfig.tsbuildinfo']);

export interface BuildOptions {
  /** Output folder inside portal/ (default `.next`); tests use their own. */
  distDir?: string;
  log?: (line: string) => void;
  /** Build even if the stamp matches. */
  force?: boolean;
}

export function distPath(distDir = '.next'): string {
  return path.join(PORTAL_DIR, distDir);
}

/** A hash of everything the build depends on. */
export function sourceHash(): string {
  const hash = crypto.createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.next') || entry.name.startsWith('.build-lock') || NOT_SOURCES.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  walk(PORTAL_DIR);
  files.push(path.join(ROOT, 'gateway', 'schema.graphql'), path.join(ROOT, 'package-lock.json'));
  for (const file of files.sort()) {
    hash.update(path.relative(ROOT, file));
    hash.update('\0');
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : '');
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function buildIsCurrent(distDir = '.next'): boolean {
  const dist = distPath(distDir);
  try {
    return fs.existsSync(path.join(dist, 'BUILD_ID')) && fs.readFileSync(path.join(dist, STAMP), 'utf8') === sourceHash();
  } catch {
    return false;
  }
}

/** Builds unless a current build exists; resolves once one does. */
export async function ensurePortalBuild(options: BuildOptions = {}): Promise<void> {
  const distDir = options.distDir ?? '.next';
  const log = options.log ?? (() => {});
  if (!options.force && buildIsCurrent(distDir)) return;
  const release = await lock(distDir, log);
  try {
    if (!options.force && buildIsCurrent(distDir)) return;
    log(`Building the portal into portal/${distDir} (once; about a minute)…`);
    const started = Date.now();
    await runBuild(distDir);
    fs.writeFileSync(path.join(distPath(distDir), STAMP), sourceHash());
    log(`Portal built in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  } finally {
    release();
  }
}

/** Builds under way in this process, stopped by stopBuilds() (Ctrl-C during `npm start`). */
const running = new Set<ChildProcess>();

export function stopBuilds(): void {
  for (const child of running) child.kill('SIGTERM');
}

function runBuild(distDir: string): Promise<void> {
  const nextBin = createRequire(path.join(PORTAL_DIR, 'build.ts')).resolve('next/dist/bin/next');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build', PORTAL_DIR], {
      cwd: ROOT,
      env: { ...process.env, PORTAL_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`next build failed (${signal ?? `exit ${code}`}):\n${output.slice(-8000)}`));
    });
  });
}

/** A lock folder holding the builder's pid; a lock left by a dead process is taken over. */
async function lock(distDir: string, log: (line: string) => void): Promise<() => void> {
  const dir = path.join(PORTAL_DIR, `.build-lock${distDir.replace(/[^\w]/g, '-')}`);
  let said = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(readOr(path.join(dir, 'pid'), '0'));
    if (pid && !alive(pid)) {
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!said) log('Another process is building the portal; waiting for it.');
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Run directly (`npm run portal:build`); vitest imports this file as a module, where require is not defined.
if (typeof require !== 'undefined' && require.main === module) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopBuilds();
      process.exit(1);
    });
  }
  ensurePortalBuild({ force: process.argv.includes('--force'), log: (line) => console.log(line) }).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

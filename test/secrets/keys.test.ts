// The secrets keys: SECRETS_KEYS parsing (never echoing a key), the key file generated into the
// data folder when no key is configured (once, even when processes race; announced in one line by
// the gateway and cron programs), and the sealing rules themselves.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../entities/config';
import { openSecret, sealSecret, SecretUnreadable } from '../../entities/secrets/crypto';
import { makeKeyring, prepareSecretsKeyring, secretsKeyring } from '../../entities/secrets/keyring';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { ROOT_TOKEN } from '../support/gateway';
import { gql } from '../support/graphql';
import { freePort, killChildren, spawnGateway, waitUntilListening } from '../gateway/child';

const REPO = path.resolve(__dirname, '..', '..');
const b64 = (bytes: number) => crypto.randomBytes(bytes).toString('base64');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('SECRETS_KEYS', () => {
  it('reads several keys with ids, oldest first, so the last one encrypts', () => {
    const [a, b] = [crypto.randomBytes(32), crypto.randomBytes(32)];
    const config = loadConfig({ SECRETS_KEYS: `old:${a.toString('base64')}, new.2:${b.toString('base64url')}` });
    expect(config.secretsKeys!.map((k) => k.id)).toEqual(['old', 'new.2']);
    expect(config.secretsKeys![0].key.equals(a)).toBe(true);
    expect(config.secretsKeys![1].key.equals(b)).toBe(true);
    expect(secretsKeyring(config).newest.id).toBe('new.2');
  });

  it('is unset by default, meaning "generate a key into the data folder"', () => {
    expect(loadConfig({}).secretsKeys).toBeUndefined();
  });

  it.each([
    ['a key without an id', () => b64(32), 'must be <id>:<base64 key>'],
    ['an id with a slash', () => `my/key:${b64(32)}`, 'must be <id>:<base64 key>'],
    ['a 16-byte key', () => `k:${b64(16)}`, 'must hold a 32-byte key'],
    ['a 33-byte key', () => `k:${b64(33)}`, 'must hold a 32-byte key'],
    ['a key that is not base64', () => `k:${'!'.repeat(44)}`, 'must hold a 32-byte key'],
    ['an id used twice', () => `k:${b64(32)},k:${b64(32)}`, 'names key id "k" twice'],
    ['nothing but separators', () => ' , ', 'at least one'],
  ])('refuses %s, naming the variable and never echoing the key', (_what, make, expected) => {
    const raw = make();
    const problems = problemsOf({ SECRETS_KEYS: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('SECRETS_KEYS');
    expect(problems[0]).toContain(expected);
    for (const part of raw.split(/[,:\s]+/).filter((p) => p.length >= 16)) expect(problems[0]).not.toContain(part);
  });

  it('is redacted when the config is printed, keeping the ids', () => {
    const secret = b64(32);
    const redacted = redactConfig(loadConfig({ SECRETS_KEYS: `k1:${secret}` }));
    expect(redacted.secretsKeys).toEqual([{ id: 'k1', key: '***' }]);
    expect(JSON.stringify(redacted)).not.toContain(secret);
  });
});

describe('sealing', () => {
  const keyring = makeKeyring([
    { id: 'a', key: crypto.randomBytes(32) },
    { id: 'b', key: crypto.randomBytes(32) },
  ]);

  it('seals under the newest key and opens again', () => {
    const sealed = sealSecret(keyring, 'n', Buffer.from('{"x":1}'));
    expect(sealed.keyId).toBe('b');
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.authTag).toHaveLength(16);
    expect(openSecret(keyring, 'n', sealed).toString()).toBe('{"x":1}');
  });

  it('opens a value sealed under an older key still in the keyring', () => {
    const old = makeKeyring([keyring.get('a')!]);
    const sealed = sealSecret(old, 'n', Buffer.from('{"old":true}'));
    expect(openSecret(keyring, 'n', sealed).toString()).toBe('{"old":true}');
  });

  it.each([
    ['under another name', (s: ReturnType<typeof sealSecret>) => ({ name: 'other', sealed: s })],
    ['with a changed IV', (s: ReturnType<typeof sealSecret>) => ({ name: 'n', sealed: { ...s, iv: Buffer.alloc(12) } })],
    ['with a changed tag', (s: ReturnType<typeof sealSecret>) => ({ name: 'n', sealed: { ...s, authTag: Buffer.alloc(16) } })],
    ['with a truncated tag', (s: ReturnType<typeof sealSecret>) => ({ name: 'n', sealed: { ...s, authTag: s.authTag.subarray(0, 8) } })],
    ['with an unknown key id', (s: ReturnType<typeof sealSecret>) => ({ name: 'n', sealed: { ...s, keyId: 'zz' } })],
  ])('refuses to open it %s, with a SecretUnreadable that carries no value', (_what, change) => {
    const sealed = sealSecret(keyring, 'n', Buffer.from('{"p":"Hunter2Swordfish"}'));
    const { name, sealed: changed } = change(sealed);
    let error: unknown;
    try {
      openSecret(keyring, name, changed);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretUnreadable);
    expect(JSON.stringify({ message: (error as Error).message, details: (error as SecretUnreadable).details })).not.toContain('Hunter2');
  });
});

describe('the generated key file', () => {
  const dirs: string[] = [];
  const databases: TestDatabase[] = [];
  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskgate-keys-'));
    dirs.push(dir);
    return dir;
  }
  afterEach(async () => {
    await killChildren();
  });
  afterAll(async () => {
    await killChildren();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('is generated once into the data folder, readable only by its owner, and reused', () => {
    const dataDir = tempDir();
    const first = prepareSecretsKeyring(loadConfig({ DATA_DIR: dataDir }));
    const file = path.join(dataDir, 'secrets.key');
    expect(first.notice).toContain(`Secrets key generated into ${file}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^local-[0-9a-f]{8}:[A-Za-z0-9+/]{43}=\n$/);
    const again = prepareSecretsKeyring(loadConfig({ DATA_DIR: dataDir }));
    expect(again.notice).toBeUndefined();
    expect(again.keyring.newest.key.equals(first.keyring.newest.key)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual(['secrets.key']);
  });

  it('is not generated when SECRETS_KEYS is set', () => {
    const dataDir = tempDir();
    const { notice } = prepareSecretsKeyring(loadConfig({ DATA_DIR: dataDir, SECRETS_KEYS: `k:${b64(32)}` }));
    expect(notice).toBeUndefined();
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('holds several keys, oldest first, when the operator adds one', () => {
    const dataDir = tempDir();
    prepareSecretsKeyring(loadConfig({ DATA_DIR: dataDir }));
    fs.appendFileSync(path.join(dataDir, 'secrets.key'), `added:${b64(32)}\n`);
    expect(secretsKeyring(loadConfig({ DATA_DIR: dataDir })).ids).toEqual([expect.stringMatching(/^local-/), 'added']);
  });

  it('ends up as one key when several processes generate it at the same moment', async () => {
    const dataDir = tempDir();
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/secrets/fixtures/prepare-keyring.ts'], {
          cwd: REPO,
          env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        return new Promise<{ id: string; key: string; generated: boolean }>((resolve) => child.once('close', () => resolve(JSON.parse(out))));
      }),
    );
    expect(new Set(runs.map((r) => `${r.id}:${r.key}`)).size).toBe(1);
    expect(runs.filter((r) => r.generated)).toHaveLength(1);
    expect(fs.readdirSync(dataDir)).toEqual(['secrets.key']);
  }, 60_000);

  it('is announced in one line by the first gateway start, and its key opens the secrets on the next start', async () => {
    const database = await createTestDatabase('sqlite');
    databases.push(database);
    const dataDir = tempDir();
    const env = async () => ({ DATABASE_URL: database.url, DATA_DIR: dataDir, GATEWAY_PORT: String(await freePort()), ROOT_ACCESS_TOKEN: ROOT_TOKEN, LOG_LEVEL: 'warn' });
    const root = `root:${ROOT_TOKEN}`;

    const first = spawnGateway(await env());
    await waitUntilListening(first);
    const announced = first.stdout().split('\n').filter((line) => line.includes('Secrets key generated'));
    expect(announced).toEqual([expect.stringContaining(`into ${path.join(dataDir, 'secrets.key')} (key id local-`)]);
    const set = await gql(first.url, 'mutation { setSecret(name: "kept", secret: { secret: { a: 1 }, expires: "2999-01-01T00:00:00.000Z" }) { name } }', {}, root);
    expect(set.errors).toBeUndefined();
    first.process.kill('SIGTERM');
    await first.exited;

    const second = spawnGateway(await env());
    await waitUntilListening(second);
    expect(second.stdout()).not.toContain('Secrets key generated');
    const read = await gql(second.url, '{ secret(name: "kept") { secret } }', {}, root);
    expect(read.data).toEqual({ secret: { secret: { a: 1 } } });
  }, 90_000);

  it('is announced by a cron process started alone', async () => {
    const database = await createTestDatabase('sqlite');
    databases.push(database);
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'cron/main.ts'], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: database.url, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + 45_000;
      while (!out.includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(out).toContain(`Secrets key generated into ${path.join(dataDir, 'secrets.key')}`);
      expect(fs.existsSync(path.join(dataDir, 'secrets.key'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});

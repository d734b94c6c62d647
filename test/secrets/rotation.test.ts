// Key rotation: values written under key A stay readable once B is added, re-encryption moves
// every row under B (in batches, reporting progress, also as `npm run secrets:reencrypt`), and
// then A can be removed. A key removed too early gives a clear error naming it.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reencryptSecrets, type ReencryptProgress } from '../../entities/secrets/reencrypt';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import { uniqueId } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { GET_SECRET, plaintext, rawRow, setSecret } from './support';

const REPO = path.resolve(__dirname, '..', '..');
const key = (id: string) => `${id}:${crypto.randomBytes(32).toString('base64')}`;

/** Runs `npm run secrets:reencrypt`'s program as its own process with exactly this environment. */
function runReencryptCli(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'entities/secrets/reencrypt-cli.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe.each(databaseKinds)('secrets key rotation on %s', (kind) => {
  const A = key('a');
  const B = key('b');
  let database: TestDatabase;
  const open: TestGateway[] = [];

  /** A gateway over the shared database with these keys; the database outlives it. */
  async function gatewayWith(keys: string): Promise<TestGateway> {
    const t = await startTestGateway(kind, { database, env: { SECRETS_KEYS: keys } });
    open.push(t);
    return t;
  }
  async function closeAll() {
    for (const t of open.splice(0)) await t.close();
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await closeAll();
    await database?.drop();
  });

  it('reads old values after a key is added, moves every row to the newest key, then works without the old key', async () => {
    const prefix = uniqueId('rotate');
    const secrets = Array.from({ length: 5 }, (_, i) => ({ name: `${prefix}/${i}`, ...plaintext(`rot${i}`) }));

    const underA = await gatewayWith(A);
    for (const s of secrets) await setSecret(underA, s.name, s.value);
    for (const s of secrets) expect((await rawRow(underA, s.name))!.key_id).toBe('a');
    await closeAll();

    const both = await gatewayWith(`${A},${B}`);
    for (const s of secrets) expect((await both.ok(GET_SECRET, { name: s.name }, both.root)).secret.secret).toEqual(s.value);
    const fresh = `${prefix}/fresh`;
    await setSecret(both, fresh, { new: 'value' });
    expect((await rawRow(both, fresh))!.key_id).toBe('b');

    const before = await Promise.all(secrets.map((s) => rawRow(both, s.name)));
    const progress: ReencryptProgress[] = [];
    const report = await reencryptSecrets(both.core, { batchSize: 2, onProgress: (p) => progress.push(p) });
    expect(report).toMatchObject({ keyId: 'b', total: 5, done: 5, reencrypted: 5, unreadable: [] });
    expect(progress).toEqual([
      { done: 2, total: 5 },
      { done: 4, total: 5 },
      { done: 5, total: 5 },
    ]);
    for (const [i, s] of secrets.entries()) {
      const row = (await rawRow(both, s.name))!;
      expect(row.key_id).toBe('b');
      expect(Buffer.from(row.ciphertext).equals(Buffer.from(before[i]!.ciphertext))).toBe(false);
    }
    // Nothing is left to do the second time.
    expect(await reencryptSecrets(both.core)).toMatchObject({ total: 0, reencrypted: 0 });
    await closeAll();

    const underB = await gatewayWith(B);
    for (const s of secrets) expect((await underB.ok(GET_SECRET, { name: s.name }, underB.root)).secret.secret).toEqual(s.value);
    expect((await underB.ok(GET_SECRET, { name: fresh }, underB.root)).secret.secret).toEqual({ new: 'value' });
    await closeAll();

    // Dropping the key in use is a configuration mistake, and the error says which key is missing.
    const onlyA = await gatewayWith(A);
    const result = await onlyA.gql(GET_SECRET, { name: secrets[0].name }, onlyA.root);
    expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
    expect(result.errors![0].message).toContain('encrypted under key "b", which this process does not have');
    expect(result.errors![0].extensions!.details).toMatchObject({ keyId: 'b', reason: 'unknown-key' });
    expect(JSON.stringify(result)).not.toContain(secrets[0].needles[0]);
    await closeAll();
  }, 120_000);

  it('leaves a row it cannot open as it is, names it, and re-encrypts the rest', async () => {
    const prefix = uniqueId('partial');
    const t = await gatewayWith(A);
    await setSecret(t, `${prefix}/good`, { good: true });
    await setSecret(t, `${prefix}/bad`, { bad: true });
    const row = (await rawRow(t, `${prefix}/bad`))!;
    const flipped = Buffer.from(row.auth_tag);
    flipped[3] ^= 0xff;
    await t.core.db.query('UPDATE secrets SET auth_tag = ? WHERE name = ?', [flipped, `${prefix}/bad`]);
    await closeAll();

    const both = await gatewayWith(`${A},${B}`);
    const report = await reencryptSecrets(both.core);
    expect(report.unreadable).toEqual([`${prefix}/bad`]);
    expect((await rawRow(both, `${prefix}/good`))!.key_id).toBe('b');
    expect((await rawRow(both, `${prefix}/bad`))!.key_id).toBe('a');
    await both.ok('mutation ($n: String!) { deleteSecret(name: $n) }', { n: `${prefix}/bad` }, both.root);
    await closeAll();
  }, 60_000);

  it('runs as `npm run secrets:reencrypt`, printing progress and the outcome', async () => {
    const prefix = uniqueId('cli');
    const C = key('c');
    const t = await gatewayWith(B);
    const names = [`${prefix}/1`, `${prefix}/2`, `${prefix}/3`];
    for (const name of names) await setSecret(t, name, { name });
    await closeAll();

    const result = await runReencryptCli({ DATABASE_URL: database.url, SECRETS_KEYS: `${B},${C}`, LOG_LEVEL: 'warn' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('under key "c"');
    expect(result.stdout).toMatch(/\d+ of \d+ secrets under older keys looked at/);
    expect(result.stdout).toMatch(/re-encrypted \d+ of \d+ secrets that were under older keys/);

    const underC = await gatewayWith(C);
    for (const name of names) {
      expect((await rawRow(underC, name))!.key_id).toBe('c');
      expect((await underC.ok(GET_SECRET, { name }, underC.root)).secret.secret).toEqual({ name });
    }
    await closeAll();
  }, 60_000);

  it('exits 1 from the command line when SECRETS_KEYS is malformed, naming the variable but not the key', async () => {
    const short = crypto.randomBytes(16).toString('base64');
    const result = await runReencryptCli({ DATABASE_URL: database.url, SECRETS_KEYS: `x:${short}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SECRETS_KEYS');
    expect(result.stderr).toContain('32-byte key');
    expect(result.stderr + result.stdout).not.toContain(short);
  }, 60_000);
});

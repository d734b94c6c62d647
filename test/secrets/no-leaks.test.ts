// A secret's value never appears in a log line or an error message: not on the happy path, not
// when graphql-js complains about a malformed variable, not when the database fails mid-write.
// The gateway here logs everything (level trace) into memory, and every line is searched.
import { Writable } from 'node:stream';
import type { Client } from 'graphql-ws';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRootClient } from '../../entities/auth/bootstrap';
import { openCore } from '../../entities/core';
import { startGateway } from '../../gateway/server';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import { makeClient, uniqueId } from '../support/factories';
import { ROOT_TOKEN, testConfig, type TestGateway } from '../support/gateway';
import { errorCode, gql, gqlOk, wsClient, wsQuery } from '../support/graphql';
import { containsAny, DELETE_SECRET, GET_SECRET, inDays, LIST_SECRETS, plaintext, rawRow, SET_SECRET, SET_SECRET_READ_BACK } from './support';

describe.each(databaseKinds)('secret values stay out of logs and errors on %s', (kind) => {
  const lines: string[] = [];
  let database: TestDatabase;
  let t: Pick<TestGateway, 'core' | 'url' | 'root' | 'gql' | 'ok' | 'gateway'>;
  const clients: Client[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const config = testConfig(database, { LOG_LEVEL: 'trace' });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const core = await openCore(config, { log: pino({ level: 'trace' }, sink) });
    await ensureRootClient(core);
    const gateway = await startGateway(core, { port: 0, host: '127.0.0.1' });
    const url = gateway.url;
    t = {
      core,
      gateway,
      url,
      root: `root:${ROOT_TOKEN}`,
      gql: (query, variables, auth, headers) => gql(url, query, variables, auth, headers),
      ok: (query, variables, auth) => gqlOk(url, query, variables, auth),
    };
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await t?.gateway.close();
    await t?.core.close();
    await database?.drop();
  });

  it('logs no value through a secret’s whole life, even when one cannot be decrypted', async () => {
    const name = uniqueId('lifecycle');
    const { value, needles } = plaintext('life');
    const reader = await makeClient(t as TestGateway, { scopes: [`secrets:get:${name}`] });
    const outsider = await makeClient(t as TestGateway, { scopes: [] });
    await t.ok(SET_SECRET_READ_BACK, { name, secret: { secret: value, expires: inDays(1) } }, t.root);
    await t.ok(GET_SECRET, { name }, reader.auth);
    await t.ok(LIST_SECRETS, {}, t.root);
    expect(errorCode(await t.gql(GET_SECRET, { name }, outsider.auth))).toBe('INSUFFICIENT_SCOPES');
    expect(errorCode(await t.gql(SET_SECRET, { name, secret: { secret: value, expires: inDays(1) } }, outsider.auth))).toBe('INSUFFICIENT_SCOPES');

    const row = (await rawRow(t as TestGateway, name))!;
    const flipped = Buffer.from(row.ciphertext);
    flipped[flipped.length - 1] ^= 0x80;
    await t.core.db.query('UPDATE secrets SET ciphertext = ? WHERE name = ?', [flipped, name]);
    const broken = await t.gql(GET_SECRET, { name }, t.root);
    expect(errorCode(broken)).toBe('INTERNAL_SERVER_ERROR');
    await t.ok(DELETE_SECRET, { name }, t.root);

    const log = lines.join('');
    // The capture works: the undecryptable read was logged, by name and key id.
    expect(lines.some((line) => line.includes('a stored secret cannot be decrypted') && line.includes(name))).toBe(true);
    expect(containsAny(log, needles)).toEqual([]);
    expect(containsAny(JSON.stringify(broken), needles)).toEqual([]);
  });

  it('keeps a value out of the error when a database failure interrupts storing it', async () => {
    const name = uniqueId('db-failure');
    const { value, needles } = plaintext('dbfail');
    await t.core.db.query('ALTER TABLE secrets RENAME COLUMN ciphertext TO ciphertext_away');
    try {
      const result = await t.gql(SET_SECRET, { name, secret: { secret: value, expires: inDays(1) } }, t.root, { 'x-request-id': `leak-${name}` });
      expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
      // The message says which request to quote, and nothing of what failed.
      expect(result.errors![0].message).toBe(`Internal error; quote request id leak-${name} when reporting it.`);
      expect(containsAny(JSON.stringify(result), needles)).toEqual([]);
    } finally {
      await t.core.db.query('ALTER TABLE secrets RENAME COLUMN ciphertext_away TO ciphertext');
    }
    // The failure was logged (the INSERT with its parameters: ciphertext only), without the value.
    const logged = lines.filter((line) => line.includes('"level":50') && line.includes('ciphertext'));
    expect(logged.length).toBeGreaterThan(0);
    expect(containsAny(lines.join(''), needles)).toEqual([]);
  });

  /** Malformed requests carrying a value: graphql-js would echo the whole input object. */
  const malformed = (value: Record<string, unknown>, serialized: string) => [
    ['a mistyped field next to the value', { name: 'x', secret: { secret: value, expiry: inDays(1) } }, 'expiry'],
    ['a missing expiry', { name: 'x', secret: { secret: value } }, 'expires'],
    ['an invalid expiry', { name: 'x', secret: { secret: value, expires: 'next tuesday' } }, 'DateTime'],
    ['the value where the input object belongs', { name: 'x', secret: serialized }, 'SecretInput'],
    ['an unknown extra variable field', { name: 'x', secret: { secret: value, expires: inDays(1), note: value } }, 'note'],
  ] as const;

  it('says what is wrong with a malformed variable over HTTP without echoing the value', async () => {
    const { value, needles } = plaintext('http');
    for (const [what, variables, mentions] of malformed(value, JSON.stringify(value))) {
      const result = await t.gql(SET_SECRET, variables as Record<string, unknown>, t.root);
      expect(errorCode(result), what).toBe('BAD_USER_INPUT');
      const messages = result.errors!.map((e) => e.message);
      expect(messages.join('\n'), what).toContain(mentions);
      for (const message of messages) expect(message, what).toMatch(/^Variable "\$secret" got an invalid value/);
      expect(containsAny(JSON.stringify(result), needles), what).toEqual([]);
    }
    expect(containsAny(lines.join(''), needles)).toEqual([]);
  });

  it('says nothing of the value over WebSocket either', async () => {
    const { value, needles } = plaintext('ws');
    const client = wsClient(t.url, t.root);
    clients.push(client);
    for (const [what, variables] of malformed(value, JSON.stringify(value))) {
      const result = await wsQuery(client, SET_SECRET, variables as Record<string, unknown>).catch((error) => ({ thrown: error }));
      expect('thrown' in result || Boolean(result.errors?.length), what).toBe(true);
      expect(containsAny(JSON.stringify(result), needles), what).toEqual([]);
    }
    const name = uniqueId('ws-ok');
    const ok = await wsQuery(client, SET_SECRET, { name, secret: { secret: value, expires: inDays(1) } });
    expect(ok.errors).toBeUndefined();
    expect(containsAny(lines.join(''), needles)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { inDays, makeClient, uniqueId } from '../support/factories';
import { errorCode, wsClient, wsQuery } from '../support/graphql';
import { startTestGateway, type TestGateway } from '../support/gateway';

const ISSUE = `mutation ($scopes: [String!]!, $expiry: DateTime!, $start: DateTime) {
  createTemporaryCredentials(scopes: $scopes, expiry: $expiry, start: $start) { clientId accessToken certificate start expiry } }`;

/** The Bearer value for temporary credentials: base64url JSON. */
function bearer(credentials: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(credentials)).toString('base64url');
}

describe.each(databaseKinds)('temporary credentials and authorizedScopes on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function issue(auth: string, scopes: string[], expiry = inDays(1)) {
    const data = await t.ok(ISSUE, { scopes, expiry }, auth);
    const { clientId, accessToken, certificate } = data.createTemporaryCredentials;
    return { clientId, accessToken, certificate };
  }

  it('issues credentials that act as the issuer with only the scopes asked for', async () => {
    const issuer = await makeClient(t, { scopes: ['a:1', 'a:2'] });
    const temp = await issue(issuer.auth, ['a:1']);
    expect(JSON.parse(temp.certificate)).toMatchObject({ version: 1, issuer: issuer.clientId, scopes: ['a:1'] });
    const data = await t.ok('{ whoAmI { clientId scopes temporary } }', {}, bearer(temp));
    expect(data.whoAmI).toEqual({ clientId: issuer.clientId, scopes: ['a:1', 'assume:anonymous', 'queue:get-artifact:public/*'], temporary: true });
  });

  it('works over the WebSocket too', async () => {
    const issuer = await makeClient(t, { scopes: ['ws:1'] });
    const client = wsClient(t.url, bearer(await issue(issuer.auth, ['ws:1'])));
    try {
      const result = await wsQuery(client, '{ currentScopes }');
      expect(result.data!.currentScopes).toContain('ws:1');
    } finally {
      await client.dispose();
    }
  });

  it('refuses scopes the issuer does not hold, and lifetimes over 31 days', async () => {
    const issuer = await makeClient(t, { scopes: ['a:1'] });
    expect(errorCode(await t.gql(ISSUE, { scopes: ['a:2'], expiry: inDays(1) }, issuer.auth))).toBe('INSUFFICIENT_SCOPES');
    expect(errorCode(await t.gql(ISSUE, { scopes: ['a:1'], expiry: inDays(32) }, issuer.auth))).toBe('BAD_USER_INPUT');
  });

  it('refuses to issue credentials from temporary credentials or without signing in', async () => {
    const issuer = await makeClient(t, { scopes: ['a:1'] });
    const temp = await issue(issuer.auth, ['a:1']);
    expect(errorCode(await t.gql(ISSUE, { scopes: ['a:1'], expiry: inDays(1) }, bearer(temp)))).toBe('BAD_USER_INPUT');
    expect(errorCode(await t.gql(ISSUE, { scopes: [], expiry: inDays(1) }))).toBe('UNAUTHENTICATED');
  });

  it('rejects a tampered certificate, a wrong token and expired credentials', async () => {
    const issuer = await makeClient(t, { scopes: ['a:1', 'a:2'] });
    const temp = await issue(issuer.auth, ['a:1']);
    const cert = JSON.parse(temp.certificate);
    const tampered = { ...temp, certificate: JSON.stringify({ ...cert, scopes: ['a:1', 'a:2'] }) };
    expect(errorCode(await t.gql('{ currentScopes }', {}, bearer(tampered)))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql('{ currentScopes }', {}, bearer({ ...temp, accessToken: 'x' })))).toBe('UNAUTHENTICATED');
    const past = await t.ok(ISSUE, { scopes: ['a:1'], start: new Date(Date.now() - 7200_000).toISOString(), expiry: new Date(Date.now() - 3600_000).toISOString() }, issuer.auth);
    const expired = await t.gql('{ currentScopes }', {}, bearer(past.createTemporaryCredentials));
    expect(errorCode(expired)).toBe('UNAUTHENTICATED');
    expect(expired.errors![0].message).toContain('expired');
  });

  it('stops working when the issuer loses the scopes or is disabled', async () => {
    const issuer = await makeClient(t, { scopes: ['b:1'] });
    const temp = await issue(issuer.auth, ['b:1']);
    expect((await t.gql('{ currentScopes }', {}, bearer(temp))).errors).toBeUndefined();
    await t.ok('mutation ($id: String!) { updateClient(clientId: $id, client: { scopes: [] }) { clientId } }', { id: issuer.clientId }, t.root);
    expect(errorCode(await t.gql('{ currentScopes }', {}, bearer(temp)))).toBe('UNAUTHENTICATED');
    const other = await makeClient(t, { scopes: ['b:2'] });
    const temp2 = await issue(other.auth, ['b:2']);
    await t.ok('mutation ($id: String!) { disableClient(clientId: $id) { disabled } }', { id: other.clientId }, t.root);
    expect(errorCode(await t.gql('{ currentScopes }', {}, bearer(temp2)))).toBe('UNAUTHENTICATED');
  });

  it('narrows a request to its authorizedScopes, by header or inside the credentials', async () => {
    const client = await makeClient(t, { scopes: ['c:1', 'c:2'] });
    const viaHeader = await t.gql('{ currentScopes }', {}, client.auth, { 'x-authorized-scopes': JSON.stringify(['c:1']) });
    expect(viaHeader.data!.currentScopes).toEqual(['assume:anonymous', 'c:1', 'queue:get-artifact:public/*']);
    const inside = bearer({ clientId: client.clientId, accessToken: client.accessToken, authorizedScopes: ['c:2'] });
    expect((await t.ok('{ currentScopes }', {}, inside)).currentScopes).toContain('c:2');
    expect((await t.ok('{ currentScopes }', {}, inside)).currentScopes).not.toContain('c:1');
  });

  it('refuses authorizedScopes beyond what the credentials hold', async () => {
    const client = await makeClient(t, { scopes: ['c:1'] });
    const result = await t.gql('{ currentScopes }', {}, client.auth, { 'x-authorized-scopes': JSON.stringify(['c:*']) });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it('makes a narrowed request fail for what it left out', async () => {
    const narrowed = await t.gql(
      'mutation ($id: String!) { createRole(roleId: $id, role: { scopes: [] }) { roleId } }',
      { id: uniqueId('narrow') },
      t.root,
      { 'x-authorized-scopes': JSON.stringify(['auth:create-client:*']) },
    );
    expect(errorCode(narrowed)).toBe('INSUFFICIENT_SCOPES');
  });
});

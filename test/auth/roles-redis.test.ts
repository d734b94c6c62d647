// Two gateways sharing Redis pub/sub: an event made on one reaches a subscriber on the other.
// Needs TEST_REDIS_URL (CI sets it); without it this file is skipped and `npm test` says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { makeRole, uniqueId } from '../support/factories';
import { wsClient, wsSubscribe } from '../support/graphql';
import { startTestGateway, type TestGateway } from '../support/gateway';

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl).each(databaseKinds)('role events across gateways through Redis on %s', (kind) => {
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    a = await startTestGateway(kind, { env: { PUBSUB_URL: redisUrl! } });
    b = await startTestGateway(kind, { database: a.database, env: { PUBSUB_URL: redisUrl! } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers a role created through one gateway to a roleChanged subscriber on the other', async () => {
    const prefix = uniqueId('redis');
    const client = wsClient(b.url, b.root);
    try {
      const sub = wsSubscribe(client, 'subscription ($p: String) { roleChanged(prefix: $p) { roleId change } }', { p: prefix });
      // Subscribing is asynchronous on the server; give the Redis SUBSCRIBE a moment to land.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await makeRole(a, `${prefix}/x`, []);
      const [event] = await sub.waitFor(1);
      expect(event.data).toEqual({ roleChanged: { roleId: `${prefix}/x`, change: 'created' } });
      sub.stop();
    } finally {
      await client.dispose();
    }
  });

  it('invalidates the other gateway’s role cache through the event, not only the refresh interval', async () => {
    const roleId = uniqueId('redis-cache');
    await makeRole(a, roleId, ['v:1']);
    const expand = () => b.ok('query ($s: [String!]!) { expandScopes(scopes: $s) }', { s: [`assume:${roleId}`] });
    expect((await expand()).expandScopes).toContain('v:1');
    await a.ok('mutation ($id: String!) { updateRole(roleId: $id, role: { scopes: ["v:2"] }) { roleId } }', { id: roleId }, a.root);
    // Well inside the 5 s generation check: only the event can have told b.
    const deadline = Date.now() + 4000;
    let scopes: string[] = [];
    while (Date.now() < deadline && !scopes.includes('v:2')) {
      scopes = (await expand()).expandScopes;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(scopes).toContain('v:2');
  });
});

// Credentials → Caller. Every caller also holds `assume:anonymous`.
import type { Core } from '../core';
import { inTransaction } from '../db/transaction';
import { AuthenticationFailed } from '../errors';
import type { Caller } from './caller';
import { Client } from './Client';
import { satisfies, validateScope } from './scopes';
import { verifyCertificate } from './temporary-credentials';
import { accessTokenMatches } from './tokens';

export const ANONYMOUS_SCOPES = ['assume:anonymous'];
/** Issuer of task credentials (claims); bounded by the task, not by a client. */
export const QUEUE_ISSUER = 'taskgate:queue';
/** Issuer of worker credentials (registerWorker); bounded by the worker's pool, not by a client. */
export const WORKER_MANAGER_ISSUER = 'taskgate:worker-manager';
const LAST_USED_RESOLUTION_MS = 6 * 3600 * 1000;

export interface Credentials {
  clientId: string;
  accessToken: string;
  certificate?: unknown;
}

export interface AuthenticateProps {
  credentials: Credentials | undefined;
  /** The request narrows its own scopes to these (must be satisfied by the credentials). */
  authorizedScopes?: string[];
}

export async function authenticate(core: Core, props: AuthenticateProps): Promise<Caller> {
  const resolver = await core.roles.resolver();
  const { credentials, authorizedScopes } = props;
  if (!credentials) {
    if (authorizedScopes) throw new AuthenticationFailed('authorizedScopes needs credentials');
    return { clientId: undefined, scopes: resolver.expand(ANONYMOUS_SCOPES), temporary: false };
  }

  const now = core.clock.now();
  let granted: string[];
  let temporary = false;
  if (credentials.certificate !== undefined && credentials.certificate !== null) {
    const cert = verifyCertificate(core.credentialsKey, credentials.clientId, credentials.accessToken, credentials.certificate, now);
    if (cert.issuer !== QUEUE_ISSUER && cert.issuer !== WORKER_MANAGER_ISSUER) {
      const issuer = await activeClient(core, cert.issuer, now);
      const issuerScopes = resolver.expand(issuer.scopes);
      if (!satisfies(issuerScopes, cert.scopes)) {
        throw new AuthenticationFailed(`client ${cert.issuer} no longer holds the scopes of these temporary credentials`);
      }
    }
    granted = cert.scopes;
    temporary = true;
  } else {
    const client = await activeClient(core, credentials.clientId, now);
    if (!accessTokenMatches(credentials.accessToken, client.accessTokenHash)) {
      throw new AuthenticationFailed(`the access token of client ${credentials.clientId} is wrong`);
    }
    await recordUse(core, client, now);
    granted = client.scopes;
  }

  let scopes = resolver.expand([...granted, ...ANONYMOUS_SCOPES]);
  if (authorizedScopes) {
    const bad = authorizedScopes.map(validateScope).find((problem) => problem !== null);
    if (bad) throw new AuthenticationFailed(`authorizedScopes: ${bad}`);
    if (!satisfies(scopes, authorizedScopes)) {
      throw new AuthenticationFailed('authorizedScopes asks for scopes the credentials do not hold');
    }
    scopes = resolver.expand([...authorizedScopes, ...ANONYMOUS_SCOPES]);
  }
  return { clientId: credentials.clientId, scopes, temporary };
}

async function activeClient(core: Core, clientId: string, now: Date): Promise<Client> {
  // One message for unknown, disabled and expired alike would hide useful facts from the owner;
  // a client id is not a secret, so say which.
  const client = await core.clients.get(clientId);
  if (!client) throw new AuthenticationFailed(`client ${clientId} does not exist`);
  if (client.disabled) throw new AuthenticationFailed(`client ${clientId} is disabled`);
  if (client.expires.getTime() <= now.getTime()) throw new AuthenticationFailed(`client ${clientId} expired at ${client.expires.toISOString()}`);
  return client;
}

/** lastDateUsed is kept to within six hours, as Taskcluster does, to spare a write per request. */
async function recordUse(core: Core, client: Client, now: Date): Promise<void> {
  if (now.getTime() - client.lastDateUsed.getTime() < LAST_USED_RESOLUTION_MS) return;
  await inTransaction(core.db, (tx) => tx.getRepository(Client).update({ clientId: client.clientId }, { lastDateUsed: now }));
  client.lastDateUsed = now; // the cached row, so the next request does not write again
}

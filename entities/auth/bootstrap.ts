// First-start set-up: the root client. With ROOT_ACCESS_TOKEN set, root's token follows it on
// every start; without, a token is generated once and returned so the caller can print it.
import type { Core } from '../core';
import { inTransaction } from '../db/transaction';
import { Client } from './Client';
import { generateAccessToken, hashAccessToken } from './tokens';

export const ROOT_CLIENT_ID = 'root';
const FAR_FUTURE = new Date('3000-01-01T00:00:00.000Z');

/** Returns the generated token when one was made now, else undefined. */
export async function ensureRootClient(core: Core): Promise<string | undefined> {
  const wanted = core.config.rootAccessToken;
  try {
    const token = await createOrRotate(core, wanted);
    // A start with another ROOT_ACCESS_TOKEN: gateways already running drop root's old row.
    await core.clients.changed(ROOT_CLIENT_ID, (error) => core.log.warn({ err: error }, 'could not publish the root client change'));
    return token;
  } catch (error) {
    // Another replica starting at the same moment created it first.
    if ((error as { code?: string }).code === 'ER_DUP_ENTRY' || /UNIQUE constraint/.test(String(error))) return undefined;
    throw error;
  }
}

async function createOrRotate(core: Core, wanted: string | undefined): Promise<string | undefined> {
  return inTransaction(core.db, async (tx) => {
    const repo = tx.getRepository(Client);
    const existing = await repo.findOneBy({ clientId: ROOT_CLIENT_ID });
    if (existing) {
      if (wanted && existing.accessTokenHash !== hashAccessToken(wanted)) {
        existing.accessTokenHash = hashAccessToken(wanted);
        existing.lastRotated = core.clock.now();
        await repo.save(existing);
      }
      return undefined;
    }
    const token = wanted ?? generateAccessToken();
    const now = core.clock.now();
    await repo.insert({
      clientId: ROOT_CLIENT_ID,
      accessTokenHash: hashAccessToken(token),
      scopes: ['*'],
      description: 'The root client: holds every scope. Use it to create clients and roles, then keep it safe.',
      expires: FAR_FUTURE,
      disabled: false,
      deleteOnExpiration: false,
      created: now,
      lastModified: now,
      lastDateUsed: now,
      lastRotated: now,
    });
    return wanted ? undefined : token;
  });
}

// Commands on clients. Each checks the caller's scopes itself (no escalation: a caller can only
// hand out scopes it holds) and returns a view without the token hash.
import type { EntityManager } from 'typeorm';
import { RequestConflict, ResourceNotFound } from '../../errors';
import { recordAudit } from '../../audit/record';
import { forUpdate, inTransaction } from '../../db/transaction';
import { Client } from '../Client';
import { CommandContext, requireScopes } from '../require-scopes';
import { normalizeScopes, satisfies } from '../scopes';
import { generateAccessToken, hashAccessToken } from '../tokens';
import { checkClientId, checkDate, checkDescription, checkScopes } from '../validation';

export interface ClientView {
  clientId: string;
  description: string;
  scopes: string[];
  expandedScopes: string[];
  expires: Date;
  disabled: boolean;
  deleteOnExpiration: boolean;
  created: Date;
  lastModified: Date;
  lastDateUsed: Date;
  lastRotated: Date;
}

export interface ClientWithToken extends ClientView {
  /** Shown once: on create and on reset. */
  accessToken: string;
}

export interface ClientInput {
  scopes?: string[];
  description?: string;
  expires: Date;
  deleteOnExpiration?: boolean;
}

export type ClientUpdate = Partial<ClientInput>;

export async function createClient(ctx: CommandContext, props: { clientId: string; client: ClientInput }): Promise<ClientWithToken> {
  const { clientId, client } = props;
  checkClientId(clientId);
  const scopes = normalizeScopes(client.scopes ?? []);
  checkScopes(scopes);
  checkDescription(client.description ?? '');
  checkDate(client.expires, 'expires');
  await requireScopes(ctx, { AllOf: [`auth:create-client:${clientId}`, ...scopes] }, `createClient(${clientId})`);

  const now = ctx.core.clock.now();
  const accessToken = generateAccessToken();
  const row: Client = Object.assign(new Client(), {
    clientId,
    accessTokenHash: hashAccessToken(accessToken),
    scopes,
    description: client.description ?? '',
    expires: client.expires,
    disabled: false,
    deleteOnExpiration: client.deleteOnExpiration ?? false,
    created: now,
    lastModified: now,
    lastDateUsed: now,
    lastRotated: now,
  });
  await inTransaction(ctx.core.db, async (tx) => {
    if (await tx.getRepository(Client).existsBy({ clientId })) {
      throw new RequestConflict(`client ${clientId} already exists`, { clientId });
    }
    await tx.getRepository(Client).insert(row);
    await recordAudit(tx, ctx, { entityType: 'client', entityId: clientId, action: 'created' });
  });
  return { ...(await view(ctx, row)), accessToken };
}

export async function updateClient(ctx: CommandContext, props: { clientId: string; client: ClientUpdate }): Promise<ClientView> {
  const { clientId, client } = props;
  const scopes = client.scopes && normalizeScopes(client.scopes);
  if (scopes) checkScopes(scopes);
  if (client.description !== undefined) checkDescription(client.description);
  if (client.expires) checkDate(client.expires, 'expires');
  const resolver = await ctx.core.roles.resolver();
  const updated = await modify(ctx, clientId, 'updated', async (row) => {
    // Only what the update adds must be held by the caller; what the client had stays.
    const had = resolver.expand(row.scopes);
    const added = (scopes ?? []).filter((scope) => !satisfies(had, [scope]));
    await requireScopes(ctx, { AllOf: [`auth:update-client:${clientId}`, ...added] }, `updateClient(${clientId})`);
    if (scopes) row.scopes = scopes;
    if (client.description !== undefined) row.description = client.description;
    if (client.expires) row.expires = client.expires;
    if (client.deleteOnExpiration != null) row.deleteOnExpiration = client.deleteOnExpiration;
  });
  return view(ctx, updated);
}

export async function resetAccessToken(ctx: CommandContext, props: { clientId: string }): Promise<ClientWithToken> {
  await requireScopes(ctx, `auth:reset-access-token:${props.clientId}`, `resetAccessToken(${props.clientId})`);
  const accessToken = generateAccessToken();
  const updated = await modify(ctx, props.clientId, 'reset-access-token', async (row, now) => {
    row.accessTokenHash = hashAccessToken(accessToken);
    row.lastRotated = now;
  });
  return { ...(await view(ctx, updated)), accessToken };
}

export async function enableClient(ctx: CommandContext, props: { clientId: string }): Promise<ClientView> {
  const resolver = await ctx.core.roles.resolver();
  const updated = await modify(ctx, props.clientId, 'enabled', async (row) => {
    // Enabling hands the client's scopes back out, so the caller must hold them.
    const scopes = resolver.expand(row.scopes);
    await requireScopes(ctx, { AllOf: [`auth:enable-client:${props.clientId}`, ...scopes] }, `enableClient(${props.clientId})`);
    row.disabled = false;
  });
  return view(ctx, updated);
}

export async function disableClient(ctx: CommandContext, props: { clientId: string }): Promise<ClientView> {
  await requireScopes(ctx, `auth:disable-client:${props.clientId}`, `disableClient(${props.clientId})`);
  const updated = await modify(ctx, props.clientId, 'disabled', async (row) => {
    row.disabled = true;
  });
  return view(ctx, updated);
}

/** Deleting is idempotent: deleting a client that is gone succeeds. */
export async function deleteClient(ctx: CommandContext, props: { clientId: string }): Promise<boolean> {
  await requireScopes(ctx, `auth:delete-client:${props.clientId}`, `deleteClient(${props.clientId})`);
  await inTransaction(ctx.core.db, async (tx) => {
    const result = await tx.getRepository(Client).delete({ clientId: props.clientId });
    if (result.affected) await recordAudit(tx, ctx, { entityType: 'client', entityId: props.clientId, action: 'deleted' });
  });
  await clientChanged(ctx, props.clientId);
  return true;
}

export async function clientView(ctx: CommandContext, row: Client): Promise<ClientView> {
  return view(ctx, row);
}

/** Read, change and write one client in a transaction that locks its row. */
async function modify(
  ctx: CommandContext,
  clientId: string,
  action: string,
  change: (row: Client, now: Date) => Promise<void>,
): Promise<Client> {
  const updated = await inTransaction(ctx.core.db, async (tx: EntityManager) => {
    const repo = tx.getRepository(Client);
    const row = await repo.findOne({ where: { clientId }, ...forUpdate(tx) });
    if (!row) throw new ResourceNotFound(`client ${clientId} does not exist`, { clientId });
    const now = ctx.core.clock.now();
    await change(row, now);
    row.lastModified = now;
    await repo.save(row);
    await recordAudit(tx, ctx, { entityType: 'client', entityId: clientId, action });
    return row;
  });
  await clientChanged(ctx, clientId);
  return updated;
}

/** Gateways authenticate from cached client rows: each must drop this one (see client-cache.ts). */
async function clientChanged(ctx: CommandContext, clientId: string): Promise<void> {
  await ctx.core.clients.changed(clientId, (error) => {
    // The other gateways still drop it within AUTH_CACHE_SECONDS.
    ctx.core.log.warn({ err: error, clientId }, 'could not publish a client change');
  });
}

async function view(ctx: CommandContext, row: Client): Promise<ClientView> {
  const resolver = await ctx.core.roles.resolver();
  const { accessTokenHash: _hash, ...rest } = row;
  return { ...rest, scopes: [...row.scopes], expandedScopes: resolver.expand(row.scopes) };
}

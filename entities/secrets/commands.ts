// Commands on secrets (DESIGN §5), with Taskcluster's scopes: `secrets:set:<name>` to set or
// delete, `secrets:get:<name>` to read a value, `secrets:list-secrets` to list names. Values are
// sealed before they reach the database and opened only for a caller allowed to read them; no
// error, log line, event or audit entry ever carries one.
import { In } from 'typeorm';
import { recordAudit } from '../audit/record';
import { CommandContext, requireScopes } from '../auth/require-scopes';
import { timeParam } from '../db/columns';
import { inTransaction } from '../db/transaction';
import { InputError } from '../errors';
import { likePrefix, Page, PageArgs, paginate, startsWith } from '../pagination';
import { openSecret, sealSecret, SecretUnreadable } from './crypto';
import { secretsKeyring } from './keyring';
import { Secret } from './Secret';

const NAME = /^[\x20-\x7e]{1,255}$/;
/** The largest value, as JSON text: also the gateway's default request size. */
export const MAX_SECRET_BYTES = 1_048_576;
const LATEST_EXPIRY = Date.parse('9999-12-31T23:59:59.999Z');
const WRITE_ATTEMPTS = 5;

export interface SecretInput {
  /** Must be a JSON object; any other JSON is refused without being echoed. */
  secret: unknown;
  expires: Date;
}

/** A live secret, opened. `value` reaches a GraphQL response only through `secretValue`. */
export interface SecretView {
  name: string;
  expires: Date;
  created: Date;
  lastModified: Date;
  value: Record<string, unknown>;
}

export interface SecretSummary {
  name: string;
}

/** Creates or replaces a secret. Needs `secrets:set:<name>`. */
export async function setSecret(ctx: CommandContext, props: { name: string; secret: SecretInput }): Promise<SecretView> {
  const { name } = props;
  checkName(name);
  await requireScopes(ctx, `secrets:set:${name}`, `setSecret(${name})`);
  const now = ctx.core.clock.now();
  checkExpires(props.secret.expires, now);
  const plaintext = checkedValue(props.secret.secret);
  const sealed = sealSecret(secretsKeyring(ctx.core.config), name, plaintext);
  const expires = props.secret.expires;
  const mysql = ctx.core.db.options.type === 'mysql';

  for (let attempt = 1; ; attempt++) {
    try {
      const created = await inTransaction(ctx.core.db, async (tx) => {
        const repo = tx.getRepository(Secret);
        const query = repo.createQueryBuilder('s').select(['s.name', 's.created', 's.expires']).where('s.name = :name', { name });
        if (mysql) query.setLock('pessimistic_write');
        const existing = await query.getOne();
        // An expired secret reads as not found, so setting it again creates it afresh.
        const live = existing && existing.expires.getTime() > now.getTime();
        const row = { ...sealed, expires, lastModified: now, created: live ? existing.created : now };
        if (existing) await repo.update({ name }, row);
        else await repo.insert({ name, ...row });
        await recordAudit(tx, ctx, { entityType: 'secret', entityId: name, action: live ? 'updated' : 'created' });
        return row.created;
      });
      return { name, expires, created, lastModified: now, value: JSON.parse(plaintext.toString('utf8')) };
    } catch (error) {
      // Two first writes of one name at once: one wins, the other retries as an update.
      if (attempt >= WRITE_ATTEMPTS || !isWriteRace(error)) throw error;
    }
  }
}

/** Deletes a secret; deleting one that is gone succeeds. Needs `secrets:set:<name>`, as in Taskcluster. */
export async function deleteSecret(ctx: CommandContext, props: { name: string }): Promise<boolean> {
  const { name } = props;
  checkName(name);
  await requireScopes(ctx, `secrets:set:${name}`, `deleteSecret(${name})`);
  await inTransaction(ctx.core.db, async (tx) => {
    const result = await tx.getRepository(Secret).delete({ name });
    if (result.affected) await recordAudit(tx, ctx, { entityType: 'secret', entityId: name, action: 'deleted' });
  });
  return true;
}

/** One secret with its value, or null when there is none or it expired. Needs `secrets:get:<name>`. */
export async function getSecret(ctx: CommandContext, props: { name: string }): Promise<SecretView | null> {
  const [result] = await getSecrets(ctx, { names: [props.name] });
  if (result instanceof Error) throw result;
  return result;
}

/**
 * Secrets by name in one query, in the order asked: the secret, null (none, or expired), or the
 * error for that name (no `secrets:get:<name>`, or the stored value cannot be opened).
 */
export async function getSecrets(ctx: CommandContext, props: { names: readonly string[] }): Promise<(SecretView | null | Error)[]> {
  const results = await Promise.all(
    props.names.map(async (name): Promise<Error | undefined> => {
      try {
        checkName(name);
        await requireScopes(ctx, `secrets:get:${name}`, `secret(${name})`);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    }),
  );
  const allowed = props.names.filter((_, i) => !results[i]);
  const rows = allowed.length ? await ctx.core.db.getRepository(Secret).findBy({ name: In([...new Set(allowed)]) }) : [];
  const now = ctx.core.clock.now().getTime();
  const byName = new Map(rows.filter((row) => row.expires.getTime() > now).map((row) => [row.name, row]));
  const keyring = secretsKeyring(ctx.core.config);
  return props.names.map((name, i) => {
    if (results[i]) return results[i];
    const row = byName.get(name);
    if (!row) return null;
    try {
      const value = JSON.parse(openSecret(keyring, name, row).toString('utf8'));
      return { name, expires: row.expires, created: row.created, lastModified: row.lastModified, value };
    } catch (error) {
      if (error instanceof SecretUnreadable) ctx.core.log.error({ secretName: name, ...error.details }, 'a stored secret cannot be decrypted');
      return error as Error;
    }
  });
}

/** The value of a secret view, for a caller holding `secrets:get:<name>`. */
export async function secretValue(ctx: CommandContext, view: SecretView): Promise<Record<string, unknown>> {
  await requireScopes(ctx, `secrets:get:${view.name}`, `secret(${view.name})`);
  return view.value;
}

/** Names of live secrets in name order, optionally under a prefix; never values. Needs `secrets:list-secrets`. */
export async function listSecrets(ctx: CommandContext, props: PageArgs & { prefix?: string | null }): Promise<Page<SecretSummary>> {
  await requireScopes(ctx, 'secrets:list-secrets', 'secrets');
  const query = ctx.core.db
    .getRepository(Secret)
    .createQueryBuilder('s')
    .select(['s.name'])
    .where('s.expires > :now', { now: timeParam(ctx.core.db, ctx.core.clock.now()) });
  if (props.prefix) query.andWhere(startsWith('s.name', 'prefix'), { prefix: likePrefix(props.prefix) });
  const page = await paginate(query, 's.name', (s) => s.name, props);
  return { ...page, nodes: page.nodes.map((s) => ({ name: s.name })) };
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new InputError('a secret name must be 1–255 printable ASCII characters (slashes are fine)', { field: 'name' });
}

function checkExpires(expires: Date, now: Date): void {
  const at = expires instanceof Date ? expires.getTime() : NaN;
  if (Number.isNaN(at)) throw new InputError('expires is not a valid date', { field: 'expires' });
  if (at <= now.getTime()) throw new InputError('expires must be in the future: an expired secret reads as not found', { field: 'expires' });
  if (at > LATEST_EXPIRY) throw new InputError('expires must be no later than 9999-12-31', { field: 'expires' });
}

/** The value as JSON bytes. Messages say what is wrong with it, never what it is. */
function checkedValue(value: unknown): Buffer {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new InputError(`secret must be a JSON object, e.g. {"token": "…"}; got ${kind} (the value is not repeated here)`, { field: 'secret' });
  }
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  if (bytes.length > MAX_SECRET_BYTES) {
    throw new InputError(`secret may be at most ${MAX_SECRET_BYTES} bytes of JSON; this one is ${bytes.length}`, { field: 'secret' });
  }
  return bytes;
}

function isWriteRace(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e.driverError?.code ?? e.code ?? '';
  return code === 'ER_DUP_ENTRY' || code === 'ER_LOCK_DEADLOCK' || code.startsWith('SQLITE_CONSTRAINT');
}

// Recording and reading the audit history. Entries are written in the same transaction as the
// change they describe, so there is no change without its entry and no entry without its change.
import type { EntityManager } from 'typeorm';
import type { CommandContext } from '../auth/require-scopes';
import { requireScopes } from '../auth/require-scopes';
import { InputError } from '../errors';
import { Page, PageArgs, paginate } from '../pagination';
import { AuditEntry } from './AuditEntry';

export const AUDITED_TYPES = ['client', 'role', 'secret', 'hook', 'worker-pool'] as const;
export type AuditedType = (typeof AUDITED_TYPES)[number];

export interface AuditProps {
  entityType: AuditedType;
  entityId: string;
  action: string;
}

export async function recordAudit(tx: EntityManager, ctx: CommandContext, props: AuditProps): Promise<void> {
  await tx.getRepository(AuditEntry).insert({ ...props, clientId: ctx.caller.clientId ?? null, at: ctx.core.clock.now() });
}

/** Reading history needs `auth:audit-history:<entityType>/<entityId>`. Newest last. */
export async function auditHistory(
  ctx: CommandContext,
  props: PageArgs & { entityType: string; entityId: string },
): Promise<Page<AuditEntry>> {
  if (!(AUDITED_TYPES as readonly string[]).includes(props.entityType)) {
    throw new InputError(`entityType must be one of ${AUDITED_TYPES.join(', ')}`, { field: 'entityType' });
  }
  await requireScopes(ctx, `auth:audit-history:${props.entityType}/${props.entityId}`, 'auditHistory');
  const query = ctx.core.db
    .getRepository(AuditEntry)
    .createQueryBuilder('a')
    .where('a.entity_type = :t AND a.entity_id = :id', { t: props.entityType, id: props.entityId });
  return paginate(query, 'a.id', (a) => String(a.id), props, (key) => Number(key));
}

// The audit history: who created, changed or deleted each client, role, secret, hook and pool.
import { DateTimeResolver } from 'graphql-scalars';
import { Arg, Args, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { AuditEntry } from '../../entities/audit/AuditEntry';
import { auditHistory } from '../../entities/audit/record';
import type { GatewayContext } from '../context';
import { connectionType, PageArgsInput, toConnection } from '../common/connection';

@ObjectType('AuditEntry', { description: 'One change to an audited object. Values are never recorded.' })
export class AuditEntryType {
  @Field(() => String, { description: '`client`, `role`, `secret`, `hook` or `worker-pool`.' })
  entityType!: string;

  @Field(() => String, { description: 'The object’s id (clientId, roleId, secret name, `<hookGroupId>/<hookId>`, workerPoolId).' })
  entityId!: string;

  @Field(() => String, { description: 'What happened: `created`, `updated`, `deleted`, `reset-access-token`, `enabled`, `disabled`, …' })
  action!: string;

  @Field(() => String, { nullable: true, description: 'Who did it; null for the platform itself or an anonymous caller.' })
  clientId!: string | null;

  @Field(() => DateTimeResolver, { description: 'When.' })
  at!: Date;
}

const AuditEntryConnection = connectionType(AuditEntryType, 'AuditEntry', 'audit entry');

@Resolver()
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: 'The history of one object, oldest first. Needs `auth:audit-history:<entityType>/<entityId>`.' })
  async auditHistory(
    @Ctx() ctx: GatewayContext,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('entityType', () => String, { description: '`client`, `role`, `secret`, `hook` or `worker-pool`.' }) entityType: string,
    @Arg('entityId', () => String, { description: 'The object’s id.' }) entityId: string,
  ) {
    return toConnection(await auditHistory(ctx, { ...page, entityType, entityId }), (a: AuditEntry) => String(a.id), (a) => a);
  }
}

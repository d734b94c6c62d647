import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { AuditResolver } from './audit/resolvers';
import { AuthResolver } from './auth/resolvers';
import { IndexResolver } from './index/resolvers';
import { ArtifactFieldsResolver, ArtifactResolver, TaskArtifactsResolver } from './queue/artifacts';
import { QueueResolver, TaskGroupResolver } from './queue/resolvers';
import { SecretFieldsResolver, SecretsResolver } from './secrets/resolvers';
import { TaskLogResolver } from './queue/logs';
import { TaskStatusChangesResolver } from './queue/status-since';
import { HookFieldsResolver, HookFireFieldsResolver, HooksResolver } from './hooks/resolvers';
import { ProvisioningResolver, WorkerPoolFieldsResolver } from './provisioning/resolvers';

// One resolver class per line: areas add theirs here.
const resolvers = [
  AuthResolver,
  AuditResolver,
  QueueResolver,
  TaskGroupResolver,
  TaskStatusChangesResolver,
  ArtifactResolver,
  ArtifactFieldsResolver,
  TaskArtifactsResolver,
  IndexResolver,
  SecretsResolver,
  SecretFieldsResolver,
  TaskLogResolver,
  HooksResolver,
  HookFieldsResolver,
  HookFireFieldsResolver,
  ProvisioningResolver,
  WorkerPoolFieldsResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/**
 * type-graphql insists on a pubSub once any subscription exists, even though every subscription
 * here brings its own `subscribe` over the core's event bus. This one refuses use, so a
 * subscription declared with `topics` fails loudly instead of silently never firing.
 */
const topicsNotSupported: PubSub = {
  publish() {
    throw new Error('publish through core.events; type-graphql topics are not used');
  },
  subscribe() {
    throw new Error('declare subscriptions with `subscribe` over core.events; type-graphql topics are not used');
  },
};

/** The gateway's schema; built once per process (type-graphql's metadata is global). */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, validate: false, pubSub: topicsNotSupported });
  return built;
}

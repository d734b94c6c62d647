// Index resolvers: each is input → one command → output type. Reading the index needs no scope.
import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { findIndexedTask, listIndexedTasks, listNamespaces, type IndexedTaskView } from '../../entities/index/queries';
import type { GatewayContext } from '../context';
import { PageArgsInput, toConnection } from '../common/connection';
import { TaskType } from '../queue/types';
import { IndexedTaskConnection, IndexedTaskType, NamespaceConnection } from './types';

const same = <T>(x: T) => x;

@Resolver(() => IndexedTaskType)
export class IndexResolver {
  @Query(() => IndexedTaskType, { nullable: true, description: 'The task indexed at a path (`index.<path>` route of a completed task), or null.' })
  indexedTask(@Ctx() ctx: GatewayContext, @Arg('indexPath', () => String, { description: 'e.g. `project.repo.branch.latest`.' }) indexPath: string) {
    return findIndexedTask(ctx, { indexPath });
  }

  @Query(() => NamespaceConnection, { description: 'The namespaces directly under a namespace, by name.' })
  async namespaces(
    @Ctx() ctx: GatewayContext,
    @Arg('prefix', () => String, { defaultValue: '', description: 'The parent namespace, e.g. `project`; empty for the top level.' }) prefix: string,
    @Args(() => PageArgsInput) page: PageArgsInput,
  ) {
    return toConnection(await listNamespaces(ctx, { ...page, prefix }), (n) => n.name, same);
  }

  @Query(() => IndexedTaskConnection, { description: 'The tasks indexed directly under a namespace, by name.' })
  async indexedTasks(
    @Ctx() ctx: GatewayContext,
    @Arg('namespace', () => String, { description: 'e.g. `project.repo.branch`; empty for the top level.' }) namespace: string,
    @Args(() => PageArgsInput) page: PageArgsInput,
  ) {
    return toConnection(await listIndexedTasks(ctx, { ...page, namespace }), (t) => t.namespace.slice(t.namespace.lastIndexOf('.') + 1), same);
  }

  @FieldResolver(() => TaskType, { nullable: true, description: 'The task’s definition and status (null once the task expired).' })
  task(@Ctx() ctx: GatewayContext, @Root() entry: IndexedTaskView) {
    return ctx.loaders.task.load(entry.taskId);
  }
}

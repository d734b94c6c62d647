// GraphQL types of the index area.
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { connectionType } from '../common/connection';

@ObjectType('IndexedTask', { description: 'The task an index path points at: the last completed task indexed there with the highest (or an equal, later) rank.' })
export class IndexedTaskType {
  @Field(() => String, { description: 'The full index path, e.g. `project.repo.branch.latest`.' })
  namespace!: string;

  @Field(() => ID, { description: 'The task.' })
  taskId!: string;

  @Field(() => Float, { description: 'The rank it was indexed with (`task.extra.index.rank`, default 0).' })
  rank!: number;

  @Field(() => JSONObjectResolver, { description: 'Data indexed with it (`task.extra.index.data`, default {}).' })
  data!: Record<string, unknown>;

  @Field(() => DateTimeResolver, { description: 'The entry is deleted after this time (`task.extra.index.expires`, default the task’s expiry).' })
  expires!: Date;
}

@ObjectType('IndexNamespace', { description: 'A namespace of the index: holds indexed tasks and further namespaces.' })
export class NamespaceType {
  @Field(() => String, { description: 'The full path, e.g. `project.repo`.' })
  namespace!: string;

  @Field(() => String, { description: 'The last segment, e.g. `repo`.' })
  name!: string;

  @Field(() => DateTimeResolver, { description: 'Deleted after this time: the expiry of the longest-lived entry indexed under it.' })
  expires!: Date;
}

export const IndexedTaskConnection = connectionType(IndexedTaskType, 'IndexedTask', 'indexed task');
export const NamespaceConnection = connectionType(NamespaceType, 'IndexNamespace', 'namespace');

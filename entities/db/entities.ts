// Every TypeORM entity, for the DataSource.
import { AuditEntry } from '../audit/AuditEntry';
import { AuthState } from '../auth/AuthState';
import { Client } from '../auth/Client';
import { Role } from '../auth/Role';
import { Secret } from '../secrets/Secret';
import { Hook } from '../hooks/Hook';
import { HookFire } from '../hooks/HookFire';
import { IndexedTask } from '../index/IndexedTask';
import { Namespace } from '../index/Namespace';
import { Artifact } from '../queue/Artifact';
import { Task } from '../queue/Task';
import { TaskDependency } from '../queue/TaskDependency';
import { TaskGroup } from '../queue/TaskGroup';
import { TaskRun } from '../queue/TaskRun';
import { TaskLogChunk } from '../queue/logs/TaskLogChunk';
import { Worker } from '../provisioning/Worker';
import { WorkerPool } from '../provisioning/WorkerPool';
import { WorkerPoolError } from '../provisioning/WorkerPoolError';

export const entities = [
  Client,
  Role,
  AuthState,
  Task,
  TaskRun,
  TaskDependency,
  TaskGroup,
  Artifact,
  IndexedTask,
  Namespace,
  AuditEntry,
  Hook,
  HookFire,
  Secret,
  TaskLogChunk,
  WorkerPool,
  Worker,
  WorkerPoolError,
];

// Every migration, in order. New ones are appended; applied ones are never edited.
import { Auth1764320000001 } from './0001-auth';
import { Queue1764320000002 } from './0002-queue';
import { ArtifactsIndex1764320000003 } from './0003-artifacts-index';
import { Audit1764320000004 } from './0004-audit';
import { Secrets1764320000005 } from './0005-secrets';
import { Hooks1764320000006 } from './0006-hooks';
import { TaskLogs1764320000007 } from './0007-task-logs';
import { WorkerPools1764320000008 } from './0008-worker-pools';

export const migrations = [
  Auth1764320000001,
  Queue1764320000002,
  ArtifactsIndex1764320000003,
  Audit1764320000004,
  Secrets1764320000005,
  Hooks1764320000006,
  TaskLogs1764320000007,
  WorkerPools1764320000008,
];

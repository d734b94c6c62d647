// Task queries and helpers shared by the task, group and log pages.
export const STATES = ['unscheduled', 'pending', 'running', 'completed', 'failed', 'exception'] as const;
export type TaskState = (typeof STATES)[number];

export function isResolved(state: string): boolean {
  return state === 'completed' || state === 'failed' || state === 'exception';
}

export interface TaskRun {
  runId: number;
  state: string;
  reasonCreated: string;
  reasonResolved: string | null;
  workerGroup: string | null;
  workerId: string | null;
  takenUntil: string | null;
  scheduled: string;
  started: string | null;
  resolved: string | null;
}

export interface TaskStatus {
  taskId: string;
  taskGroupId: string;
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  state: string;
  retriesLeft: number;
  deadline: string;
  expires: string;
  runs: TaskRun[];
}

export interface Artifact {
  name: string;
  runId: number;
  storageType: string;
  contentType: string | null;
  contentLength: number | null;
  present: boolean;
  created: string;
  expires: string;
  downloadPath: string;
  url: string | null;
  artifact: string | null;
  reason: string | null;
  message: string | null;
}

export const RUN_FIELDS = 'runId state reasonCreated reasonResolved workerGroup workerId takenUntil scheduled started resolved';
export const STATUS_FIELDS = `taskId taskGroupId taskQueueId schedulerId projectId state retriesLeft deadline expires runs { ${RUN_FIELDS} }`;
export const ARTIFACT_FIELDS = 'name runId storageType contentType contentLength present created expires downloadPath url artifact reason message';

export const LIVE_LOG = 'public/logs/live.log';

export function logPath(taskId: string, runId: number): string {
  return `/tasks/${taskId}/runs/${runId}/log`;
}

export function rawLogPath(taskId: string, runId: number | 'latest'): string {
  return `/artifacts/${taskId}/${runId}/${LIVE_LOG}`;
}

export function isSlugid(value: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(value);
}

/** A fresh slugid (v4 UUID, URL-safe base64, first character never `-`). */
export function newTaskId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  bytes[0] &= 0x7f;
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function formatBytes(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

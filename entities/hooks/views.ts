// Hooks as the API shows them: never the trigger token's hash.
import type { Hook, HookMetadata } from './Hook';
import { nextFires, parseSchedules } from './schedule';

export interface HookView {
  hookGroupId: string;
  hookId: string;
  metadata: HookMetadata;
  schedule: string[];
  task: Record<string, unknown>;
  triggerSchema: Record<string, unknown>;
  /** The next scheduled fire not yet made (in the past while a cron catches up); null without a schedule. */
  nextScheduledDate: Date | null;
  hasTriggerToken: boolean;
  created: Date;
  lastModified: Date;
}

export function hookView(row: Hook): HookView {
  return {
    hookGroupId: row.hookGroupId,
    hookId: row.hookId,
    metadata: row.metadata,
    schedule: row.schedule,
    task: row.taskTemplate,
    triggerSchema: row.triggerSchema,
    nextScheduledDate: row.nextScheduledDate,
    hasTriggerToken: row.triggerTokenHash !== null,
    created: row.created,
    lastModified: row.lastModified,
  };
}

export const MAX_UPCOMING = 100;

/** The next `count` scheduled fires, from the one the crons will make next. */
export function upcomingFires(hook: Pick<HookView, 'schedule' | 'nextScheduledDate'>, count: number): Date[] {
  const n = Math.max(0, Math.min(MAX_UPCOMING, Math.floor(count)));
  if (!hook.nextScheduledDate || n === 0) return [];
  return [hook.nextScheduledDate, ...nextFires(parseSchedules(hook.schedule), hook.nextScheduledDate, n - 1)];
}

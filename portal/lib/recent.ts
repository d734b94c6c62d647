'use client';
// Tasks and groups recently opened in this browser (ids and names only, never credentials).
const KEY = 'taskgate.recent';

export interface Recent {
  taskId?: string;
  taskGroupId?: string;
  name?: string;
}

export function recentItems(): Recent[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
}

function remember(item: Recent): void {
  try {
    const items = recentItems().filter((r) => !(r.taskId === item.taskId && r.taskGroupId === item.taskGroupId));
    localStorage.setItem(KEY, JSON.stringify([item, ...items].slice(0, 12)));
  } catch {
    // storage full or disabled: nothing to remember
  }
}

export const rememberTask = (item: { taskId: string; name: string }) => remember(item);
export const rememberGroup = (taskGroupId: string) => remember({ taskGroupId });

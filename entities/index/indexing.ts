// Indexing a completed task, inside the transaction that completes it: the index never points
// at a task that did not complete, and a completion is never left unindexed.
//
// Each entry is one upsert whose condition is Taskcluster's rule — the new entry replaces the
// old one when its rank is higher or equal — so two tasks completing at once under one path
// settle in the database, not in a read-then-write race. An upsert locks the row it hits
// straight away; "SELECT … FOR UPDATE, then INSERT" would take gap locks on MySQL that two
// indexers of a new path deadlock on. Rows are written in one sorted order for the same reason.
import type { EntityManager } from 'typeorm';
import { timeParam } from '../db/columns';
import { indexEntriesFor, IndexableTask, parentNamespaces } from './rules';

export async function indexCompletedTask(tx: EntityManager, task: IndexableTask): Promise<void> {
  const entries = indexEntriesFor(task);
  if (!entries.length) return;
  const mysql = tx.connection.options.type === 'mysql';

  const namespaces = new Map<string, { parent: string; name: string; expires: Date }>();
  for (const entry of entries) {
    for (const ns of parentNamespaces(entry.namespace)) {
      const key = `${ns.parent}\u0000${ns.name}`;
      const seen = namespaces.get(key);
      if (!seen || seen.expires < entry.expires) namespaces.set(key, { ...ns, expires: entry.expires });
    }
  }
  for (const key of [...namespaces.keys()].sort()) {
    const ns = namespaces.get(key)!;
    // A namespace lives as long as the longest-lived entry under it.
    await tx.query(
      mysql
        ? 'INSERT INTO namespaces (parent, name, expires) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE expires = GREATEST(expires, VALUES(expires))'
        : 'INSERT INTO namespaces (parent, name, expires) VALUES (?, ?, ?) ON CONFLICT (parent, name) DO UPDATE SET expires = excluded.expires WHERE excluded.expires > namespaces.expires',
      [ns.parent, ns.name, timeParam(tx.connection, ns.expires)],
    );
  }

  for (const entry of entries) {
    const values = [entry.namespace, entry.name, entry.rank, entry.taskId, JSON.stringify(entry.data), timeParam(tx.connection, entry.expires)];
    await tx.query(
      mysql
        ? // Assignments run left to right and see earlier ones: task_rank must change last.
          `INSERT INTO indexed_tasks (namespace, name, task_rank, task_id, data, expires) VALUES (?, ?, ?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE
             task_id = IF(VALUES(task_rank) >= task_rank, VALUES(task_id), task_id),
             data = IF(VALUES(task_rank) >= task_rank, VALUES(data), data),
             expires = IF(VALUES(task_rank) >= task_rank, VALUES(expires), expires),
             task_rank = IF(VALUES(task_rank) >= task_rank, VALUES(task_rank), task_rank)`
        : `INSERT INTO indexed_tasks (namespace, name, task_rank, task_id, data, expires) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (namespace, name) DO UPDATE SET
             task_rank = excluded.task_rank, task_id = excluded.task_id, data = excluded.data, expires = excluded.expires
           WHERE excluded.task_rank >= indexed_tasks.task_rank`,
      values,
    );
  }
}

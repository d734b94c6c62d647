'use client';
// The graph view of a group: tasks in columns by depth (a task sits one column right of its
// deepest dependency in the group), edges from each dependency. Shows at most MAX_NODES of the
// tasks the list shows (filter or search to narrow a bigger group).
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { ErrorPanel, Loading } from '@/components/States';
import { gql } from '@/lib/graphql';
import type { GroupRow } from './GroupInspector';

const MAX_NODES = 400;
const NODE_W = 180;
const NODE_H = 30;
const GAP_X = 60;
const GAP_Y = 12;
const COLORS: Record<string, string> = {
  completed: '#1a7f37',
  failed: '#b42318',
  exception: '#8a1a6b',
  running: '#0b5cad',
  pending: '#8a5a00',
  unscheduled: '#6b7785',
};

export function GroupGraph({ taskGroupId, rows }: { taskGroupId: string; rows: GroupRow[] }) {
  const nodes = useMemo(() => rows.slice(0, MAX_NODES), [rows]);
  const ids = useMemo(() => nodes.map((n) => n.taskId), [nodes]);
  const [deps, setDeps] = useState<Map<string, string[]> | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let stopped = false;
    setDeps(undefined);
    (async () => {
      try {
        const data = await gql<{ tasks: ({ taskId: string; dependencies: string[] } | null)[] }>(`query GraphDeps($taskIds: [ID!]!) { tasks(taskIds: $taskIds) { taskId dependencies } }`, {
          taskIds: ids,
        });
        if (!stopped) setDeps(new Map(data.tasks.filter((t): t is NonNullable<typeof t> => !!t).map((t) => [t.taskId, t.dependencies])));
      } catch (e) {
        if (!stopped) setError(e);
      }
    })();
    return () => {
      stopped = true;
    };
  }, [ids, taskGroupId]);

  const layout = useMemo(() => {
    if (!deps) return undefined;
    const inView = new Set(ids);
    const depth = new Map<string, number>();
    const visiting = new Set<string>();
    const depthOf = (id: string): number => {
      const known = depth.get(id);
      if (known !== undefined) return known;
      if (visiting.has(id)) return 0;
      visiting.add(id);
      const parents = (deps.get(id) ?? []).filter((d) => inView.has(d));
      const d = parents.length ? Math.max(...parents.map(depthOf)) + 1 : 0;
      visiting.delete(id);
      depth.set(id, d);
      return d;
    };
    const columns: GroupRow[][] = [];
    for (const node of nodes) (columns[depthOf(node.taskId)] ??= []).push(node);
    const position = new Map<string, { x: number; y: number }>();
    columns.forEach((column, c) => column.forEach((node, r) => position.set(node.taskId, { x: c * (NODE_W + GAP_X), y: r * (NODE_H + GAP_Y) })));
    const edges: [string, string][] = [];
    for (const node of nodes) for (const d of deps.get(node.taskId) ?? []) if (inView.has(d)) edges.push([d, node.taskId]);
    const width = columns.length * (NODE_W + GAP_X);
    const height = Math.max(...columns.map((c) => c.length)) * (NODE_H + GAP_Y);
    return { position, edges, width, height };
  }, [deps, ids, nodes]);

  if (error) return <ErrorPanel error={error} />;
  if (!layout) return <Loading what="Loading dependencies" />;
  return (
    <div className="card graph" data-testid="group-graph">
      {rows.length > MAX_NODES && (
        <p className="notice small">
          The graph shows the first {MAX_NODES} of {rows.length.toLocaleString('en-US')} tasks: filter by state or search to see others.
        </p>
      )}
      <div style={{ overflow: 'auto', maxHeight: 640 }}>
        <svg width={layout.width + 10} height={layout.height + 10} role="img" aria-label={`Dependency graph of ${nodes.length} tasks`}>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" fill="#8c959f" />
            </marker>
          </defs>
          {layout.edges.map(([from, to]) => {
            const a = layout.position.get(from)!;
            const b = layout.position.get(to)!;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return <path key={`${from}-${to}`} d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} stroke="#8c959f" fill="none" markerEnd="url(#arrow)" />;
          })}
          {nodes.map((node) => {
            const p = layout.position.get(node.taskId)!;
            return (
              <Link key={node.taskId} href={`/tasks/${node.taskId}`} prefetch={false}>
                <g transform={`translate(${p.x},${p.y})`}>
                  <title>{`${node.name} (${node.state})`}</title>
                  <rect width={NODE_W} height={NODE_H} rx={6} fill="#fff" stroke={COLORS[node.state] ?? '#6b7785'} strokeWidth={2} />
                  <circle cx={12} cy={NODE_H / 2} r={5} fill={COLORS[node.state] ?? '#6b7785'} />
                  <text x={24} y={NODE_H / 2 + 4} fontSize={12} fill="#1b1f24">
                    {node.name.length > 24 ? `${node.name.slice(0, 23)}…` : node.name}
                  </text>
                </g>
              </Link>
            );
          })}
        </svg>
      </div>
    </div>
  );
}

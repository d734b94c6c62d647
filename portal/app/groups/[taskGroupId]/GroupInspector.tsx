'use client';
// A task group: counts by state (they filter the list), every task in a virtualized list that
// stays responsive at 10,000 tasks, search by name, live updates (taskGroupChanged), and a graph
// view of the dependencies. Tasks load a page of 1000 at a time and show as they arrive.
import Link from 'next/link';
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { ConfirmButton } from '@/components/ConfirmButton';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { StateBadge } from '@/components/StateBadge';
import { Time } from '@/components/Time';
import { VirtualList } from '@/components/VirtualList';
import { gql } from '@/lib/graphql';
import { useMutation, useSubscription } from '@/lib/hooks';
import { rememberGroup } from '@/lib/recent';
import { useCredentials, useHydrated } from '@/lib/session';
import { isSlugid, STATES } from '@/lib/tasks';
import { GroupGraph } from './GroupGraph';

export interface GroupRow {
  taskId: string;
  name: string;
  state: string;
}

interface GroupInfo {
  taskGroupId: string;
  schedulerId: string;
  projectId: string;
  sealed: string | null;
  expires: string;
  counts: Record<string, number>;
}

const PAGE = 1000;
const GROUP = `query Group($taskGroupId: ID!, $after: String) {
  taskGroup(taskGroupId: $taskGroupId) {
    taskGroupId schedulerId projectId sealed expires
    counts { unscheduled pending running completed failed exception total }
    tasks(first: ${PAGE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { taskId name state } }
  }
}`;
const MORE = `query GroupTasks($taskGroupId: ID!, $after: String) {
  taskGroup(taskGroupId: $taskGroupId) { tasks(first: ${PAGE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { taskId name state } } }
}`;

type Page = { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: GroupRow[] };

export function GroupInspector({ taskGroupId }: { taskGroupId: string }) {
  const hydrated = useHydrated();
  const credentials = useCredentials();
  const rows = useRef(new Map<string, GroupRow>());
  const [version, setVersion] = useState(0);
  const [info, setInfo] = useState<GroupInfo | null | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [filter, setFilter] = useState<string | undefined>();
  const [search, setSearch] = useState('');
  const [view, setView] = useState<'list' | 'graph'>('list');
  const deferredSearch = useDeferredValue(search);
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  // generation 0 loads the group; later generations reload its tasks quietly (see below).
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (!hydrated || !isSlugid(taskGroupId)) return;
    let stopped = false;
    const quiet = generation > 0;
    const loaded = new Map<string, GroupRow>();
    if (!quiet) {
      rows.current = loaded;
      setInfo(undefined);
      setLoading(true);
    }
    setError(undefined);
    (async () => {
      try {
        const first = await gql<{ taskGroup: (GroupInfo & { tasks: Page }) | null }>(GROUP, { taskGroupId });
        if (stopped) return;
        if (!first.taskGroup) {
          setInfo(null);
          setLoading(false);
          return;
        }
        const { tasks, ...group } = first.taskGroup;
        setInfo(group);
        rememberGroup(taskGroupId);
        let page: Page = tasks;
        for (;;) {
          for (const row of page.nodes) if (!loaded.has(row.taskId)) loaded.set(row.taskId, row);
          if (!quiet) bump();
          if (!page.pageInfo.hasNextPage || stopped) break;
          const next = await gql<{ taskGroup: { tasks: Page } | null }>(MORE, { taskGroupId, after: page.pageInfo.endCursor });
          if (stopped || !next.taskGroup) break;
          page = next.taskGroup.tasks;
        }
        if (quiet && !stopped) {
          rows.current = loaded;
          bump();
        }
      } catch (e) {
        if (!stopped) setError(e);
      } finally {
        if (!stopped) setLoading(false);
      }
    })();
    return () => {
      stopped = true;
    };
  }, [hydrated, taskGroupId, credentials?.clientId, credentials?.accessToken, bump, generation]);

  // Live: each status change updates its row; a task that joined the group is added, and its
  // name fetched in a batch.
  const unnamed = useRef(new Set<string>());
  const [check, setCheck] = useState(0);
  const live = useSubscription<{ taskGroupChanged: { taskId: string; state: string } }>(
    `subscription GroupChanged($taskGroupId: ID!) { taskGroupChanged(taskGroupId: $taskGroupId) { taskId state } }`,
    { taskGroupId },
    ({ taskGroupChanged: change }) => {
      const row = rows.current.get(change.taskId);
      if (row) rows.current.set(change.taskId, { ...row, state: change.state });
      else {
        rows.current.set(change.taskId, { taskId: change.taskId, name: change.taskId, state: change.state });
        unnamed.current.add(change.taskId);
      }
      bump();
    },
    !!info,
    () => setCheck((c) => c + 1),
  );
  useEffect(() => {
    if (!unnamed.current.size) return;
    const ids = [...unnamed.current].slice(0, 1000);
    const timer = setTimeout(async () => {
      ids.forEach((id) => unnamed.current.delete(id));
      try {
        const data = await gql<{ tasks: ({ taskId: string; metadata: { name: string } } | null)[] }>(`query Names($taskIds: [ID!]!) { tasks(taskIds: $taskIds) { taskId metadata { name } } }`, { taskIds: ids });
        for (const t of data.tasks) {
          const row = t && rows.current.get(t.taskId);
          if (row) rows.current.set(t.taskId, { ...row, name: t.metadata.name });
        }
        bump();
      } catch {
        // names stay as ids
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [version, bump]);

  // The rows live in a ref; `version` says when they changed.
  // Changes made while the pages loaded and before the subscription was active on the gateway,
  // or while the live connection was down, would be missed: once loaded and after each
  // reconnection (`check`), compare the gateway's counts with ours and reload on a mismatch.
  useEffect(() => {
    if (loading || !info) return;
    const timer = setTimeout(async () => {
      try {
        const data = await gql<{ taskGroup: { counts: Record<string, number> } | null }>(
          `query GroupCounts($taskGroupId: ID!) { taskGroup(taskGroupId: $taskGroupId) { counts { unscheduled pending running completed failed exception total } } }`,
          { taskGroupId },
        );
        const server = data.taskGroup?.counts;
        if (!server) return;
        const local: Record<string, number> = { total: rows.current.size };
        for (const row of rows.current.values()) local[row.state] = (local[row.state] ?? 0) + 1;
        if (Object.keys(server).some((key) => (server[key] ?? 0) !== (local[key] ?? 0))) setGeneration((g) => g + 1);
      } catch {
        // a failed check changes nothing
      }
    }, 1500);
    return () => clearTimeout(timer);
  }, [loading, info, taskGroupId, check]);

  const all = useMemo(() => [...rows.current.values()], [version]);
  const counts = useMemo(() => {
    const c: Record<string, number> = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const row of all) c[row.state] = (c[row.state] ?? 0) + 1;
    return c;
  }, [all]);
  const shown = useMemo(() => {
    const q = deferredSearch.trim().toLowerCase();
    return all.filter((row) => (!filter || row.state === filter) && (!q || row.name.toLowerCase().includes(q) || row.taskId === deferredSearch.trim()));
  }, [all, filter, deferredSearch]);

  const seal = useMutation<{ sealTaskGroup: { sealed: string | null } }>(`mutation Seal($taskGroupId: ID!) { sealTaskGroup(taskGroupId: $taskGroupId) { sealed } }`);
  const cancel = useMutation<{ cancelTaskGroup: { canceled: number } }>(`mutation CancelGroup($taskGroupId: ID!) { cancelTaskGroup(taskGroupId: $taskGroupId) { canceled } }`);

  if (!isSlugid(taskGroupId)) return <Empty>“{taskGroupId}” is not a task group id: group ids are 22-character slugids.</Empty>;
  if (error && !info) return <ErrorPanel error={error} />;
  if (info === undefined) return <Loading what="Loading the task group" />;
  if (info === null)
    return (
      <Empty>
        There is no task group <code>{taskGroupId}</code>. <Link href="/tasks">Find another</Link>
      </Empty>
    );
  // While pages are still loading, the server's counts are the truth; after, the live ones.
  const total = loading ? info.counts.total : all.length;
  const countOf = (state: string) => (loading ? info.counts[state] : counts[state]) ?? 0;

  return (
    <div>
      <nav className="small muted" aria-label="Breadcrumbs">
        <Link href="/tasks">Tasks</Link> › Group {taskGroupId}
      </nav>
      <div className="page-head">
        <h1>
          Task group <span className="mono" style={{ fontSize: '0.8em' }}>{taskGroupId}</span>
        </h1>
        <span className="small muted" aria-live="polite" data-testid="group-live">
          {live.error ? `Live updates off: ${live.error.message}` : live.live ? '● live' : ''}
        </span>
      </div>
      <p className="small muted">
        Scheduler <code>{info.schedulerId}</code> · project <code>{info.projectId}</code> · {info.sealed ? <>sealed <Time value={info.sealed} /></> : 'open'} · expires{' '}
        <Time value={info.expires} />
      </p>
      <div className="chips" role="group" aria-label="Filter by state" data-testid="state-filters">
        <button type="button" className="chip" aria-pressed={!filter} onClick={() => setFilter(undefined)} data-state="all">
          all <span className="count">{total.toLocaleString('en-US')}</span>
        </button>
        {STATES.map((state) => (
          <button key={state} type="button" className="chip" aria-pressed={filter === state} onClick={() => setFilter(filter === state ? undefined : state)} data-state={state}>
            {state} <span className="count">{countOf(state).toLocaleString('en-US')}</span>
          </button>
        ))}
      </div>
      <div className="toolbar">
        <label htmlFor="task-search" className="visually-hidden">
          Search tasks by name
        </label>
        <input
          id="task-search"
          type="search"
          placeholder="Search by name or task id"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ maxWidth: 420 }}
        />
        <div className="tabs" role="tablist" style={{ margin: 0, border: 'none' }}>
          <button type="button" role="tab" aria-selected={view === 'list'} onClick={() => setView('list')}>
            List
          </button>
          <button type="button" role="tab" aria-selected={view === 'graph'} onClick={() => setView('graph')}>
            Graph
          </button>
        </div>
        <span className="small muted" aria-live="polite" data-testid="group-progress" data-loaded={!loading}>
          {loading ? `loading ${all.length.toLocaleString('en-US')} of ${info.counts.total.toLocaleString('en-US')}…` : `${shown.length.toLocaleString('en-US')} shown`}
        </span>
      </div>
      {error !== undefined && <ErrorPanel error={error} />}
      {view === 'list' ? (
        shown.length === 0 && !loading ? (
          <Empty>{all.length === 0 ? 'The group has no tasks.' : 'No task matches.'}</Empty>
        ) : (
          <VirtualList
            count={shown.length}
            rowHeight={36}
            height={`min(${Math.max(shown.length, 4) * 36 + 2}px, 640px, max(320px, calc(100vh - 300px)))`}
            ariaLabel="Tasks of the group"
            testId="group-tasks"
            renderRow={(i, style) => {
              const row = shown[i];
              return (
                <Link key={row.taskId} href={`/tasks/${row.taskId}`} className="vrow" style={{ ...style, color: 'inherit', textDecoration: 'none' }} role="listitem" data-index={i} prefetch={false}>
                  <StateBadge state={row.state} />
                  <span className="grow" title={row.name}>
                    {row.name}
                  </span>
                  <span className="mono small muted taskid">{row.taskId}</span>
                </Link>
              );
            }}
          />
        )
      ) : (
        <GroupGraph taskGroupId={taskGroupId} rows={shown} />
      )}
      <div className="form-actions">
        {!info.sealed && (
          <button
            type="button"
            onClick={async () => {
              const d = await seal.run({ taskGroupId });
              if (d) setInfo({ ...info, sealed: d.sealTaskGroup.sealed });
            }}
          >
            Seal group
          </button>
        )}
        {info.sealed && (
          <ConfirmButton label="Cancel group" confirm="Cancel every unresolved task of the group?" onConfirm={() => void cancel.run({ taskGroupId })} />
        )}
        {cancel.data && <span className="small">Canceled {cancel.data.cancelTaskGroup.canceled} tasks.</span>}
      </div>
      {(seal.error || cancel.error) && <ErrorPanel error={seal.error ?? cancel.error} />}
    </div>
  );
}

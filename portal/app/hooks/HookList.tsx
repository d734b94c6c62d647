'use client';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { Time } from '@/components/Time';
import { gql } from '@/lib/graphql';
import { useQuery } from '@/lib/hooks';

interface HookSummary {
  hookGroupId: string;
  hookId: string;
  metadata: { name: string };
  schedule: string[];
  nextScheduledDate: string | null;
}

export function HookList() {
  const groups = useQuery<{ hookGroups: string[] }>(`query HookGroups { hookGroups }`);
  const [hooks, setHooks] = useState<Record<string, HookSummary[] | Error>>({});
  useEffect(() => {
    const list = groups.data?.hookGroups ?? [];
    let stopped = false;
    for (const group of list.slice(0, 100)) {
      gql<{ hooks: { nodes: HookSummary[] } }>(
        `query GroupHooks($hookGroupId: String!) { hooks(hookGroupId: $hookGroupId, first: 200) { nodes { hookGroupId hookId metadata { name } schedule nextScheduledDate } } }`,
        { hookGroupId: group },
      ).then(
        (data) => !stopped && setHooks((h) => ({ ...h, [group]: data.hooks.nodes })),
        (error: Error) => !stopped && setHooks((h) => ({ ...h, [group]: error })),
      );
    }
    return () => {
      stopped = true;
    };
  }, [groups.data]);

  return (
    <div>
      <div className="page-head">
        <h1>Hooks</h1>
        <Link className="button primary" href="/hooks/new">
          New hook
        </Link>
      </div>
      <p className="muted" style={{ maxWidth: 760 }}>
        Task templates fired on a cron schedule, by <code>triggerHook</code>, or by a webhook. See <Link href="/docs/hooks">hooks and cron schedules</Link>.
      </p>
      {groups.error ? (
        <ErrorPanel error={groups.error} onRetry={groups.reload} />
      ) : !groups.data ? (
        <Loading what="Loading hooks" />
      ) : groups.data.hookGroups.length === 0 ? (
        <Empty>No hooks yet.</Empty>
      ) : (
        <div className="stack" data-testid="hook-list">
          {groups.data.hookGroups.map((group) => {
            const entry = hooks[group];
            return (
              <section key={group} className="card">
                <h2 className="mono" style={{ fontSize: '1.05rem' }}>
                  {group}
                </h2>
                {entry === undefined ? (
                  <Loading />
                ) : entry instanceof Error ? (
                  <ErrorPanel error={entry} />
                ) : (
                  <div className="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th>Hook</th>
                          <th>Name</th>
                          <th>Schedule</th>
                          <th>Next fire</th>
                        </tr>
                      </thead>
                      <tbody>
                        {entry.map((hook) => (
                          <tr key={hook.hookId}>
                            <td className="mono">
                              <Link href={`/hooks/view?group=${encodeURIComponent(group)}&id=${encodeURIComponent(hook.hookId)}`}>{hook.hookId}</Link>
                            </td>
                            <td>{hook.metadata.name}</td>
                            <td className="mono small">{hook.schedule.join(', ') || '—'}</td>
                            <td>
                              <Time value={hook.nextScheduledDate} />
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}

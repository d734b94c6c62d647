'use client';
// A run's live log: follows the taskLog subscription (scrollback, then each line as the worker
// sends it), renders only the lines in view so 100,000 lines scroll smoothly, links each line
// (#L42), and offers the raw file. Lines arriving in a burst are applied once per frame.
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorPanel } from '@/components/States';
import { StateBadge } from '@/components/StateBadge';
import { VirtualList, type VirtualListHandle } from '@/components/VirtualList';
import { GatewayError, type GraphqlErrorShape } from '@/lib/graphql';
import { useQuery } from '@/lib/hooks';
import { useCredentials, useHydrated } from '@/lib/session';
import { isSlugid, rawLogPath } from '@/lib/tasks';
import { subscribe } from '@/lib/ws';

const ROW = 19;
const CHAR_WIDTH = 7.6;

/** The line index a `#L<number>` link names (links count from 1, as people do). */
function lineFromHash(): number | undefined {
  const match = /^#L(\d+)$/.exec(window.location.hash);
  return match && Number(match[1]) > 0 ? Number(match[1]) - 1 : undefined;
}

export function LogViewer({ taskId, runId }: { taskId: string; runId: number }) {
  const hydrated = useHydrated();
  const credentials = useCredentials();
  const task = useQuery<{ task: { metadata: { name: string }; taskGroupId: string; status: { state: string; runs: { runId: number; state: string }[] } } | null }>(
    `query LogTask($taskId: ID!) { task(taskId: $taskId) { taskGroupId metadata { name } status { state runs { runId state } } } }`,
    { taskId },
    { skip: !isSlugid(taskId) },
  );
  const lines = useRef<string[]>([]);
  const maxLength = useRef(0);
  const [count, setCount] = useState(0);
  const [phase, setPhase] = useState<'connecting' | 'live' | 'complete' | 'error'>('connecting');
  const [error, setError] = useState<unknown>();
  const [follow, setFollow] = useState(true);
  const [target, setTarget] = useState<number | undefined>();
  const list = useRef<VirtualListHandle>(null);
  const frame = useRef<number | undefined>(undefined);
  const scrolledTo = useRef<number | undefined>(undefined);
  const followRef = useRef(follow);
  followRef.current = follow;

  // Lines are kept outside React state; a frame callback publishes the new count at most once
  // per frame, however many messages came in.
  const publish = useCallback(() => {
    if (frame.current !== undefined) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = undefined;
      setCount(lines.current.length);
    });
  }, []);

  useEffect(() => {
    const fromHash = () => {
      const hashed = lineFromHash();
      if (hashed !== undefined) {
        scrolledTo.current = undefined;
        setTarget(hashed);
        setFollow(false);
      }
    };
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, []);

  useEffect(() => {
    if (!hydrated || !isSlugid(taskId)) return;
    lines.current = [];
    maxLength.current = 0;
    setCount(0);
    setPhase('connecting');
    setError(undefined);
    const stop = subscribe<{ taskLog: { fromLine: number; lines: string[] } }>(
      `subscription TaskLog($taskId: ID!, $runId: Int!, $fromLine: Int!) { taskLog(taskId: $taskId, runId: $runId, fromLine: $fromLine) { fromLine lines } }`,
      { taskId, runId, fromLine: 0 },
      {
        next: ({ taskLog }) => {
          // After a reconnect the subscription starts again from line 0: skip what is here.
          const skip = lines.current.length - taskLog.fromLine;
          const fresh = skip > 0 ? taskLog.lines.slice(skip) : taskLog.lines;
          for (const line of fresh) {
            lines.current.push(line);
            if (line.length > maxLength.current) maxLength.current = line.length;
          }
          publish();
        },
        error: (e) => {
          setPhase('error');
          setError(Array.isArray(e) ? GatewayError.from(e as GraphqlErrorShape[]) : e);
        },
        complete: () => {
          setPhase('complete');
          publish();
        },
      },
    );
    // Following from now on: lines come as the worker sends them (none yet for a pending run).
    setPhase((p) => (p === 'connecting' ? 'live' : p));
    return () => {
      stop();
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
      frame.current = undefined;
    };
  }, [hydrated, taskId, runId, credentials?.clientId, credentials?.accessToken, publish]);

  // The run's state in the heading: read again when its first lines come and when it ends.
  const reloadTask = task.reload;
  const started = count > 0;
  useEffect(() => {
    if (started || phase === 'complete') reloadTask();
  }, [started, phase, reloadTask]);

  // Follow: keep the last line in view as lines arrive.
  useEffect(() => {
    if (followRef.current && count > 0) list.current?.scrollToEnd();
  }, [count]);
  // A linked line: scroll to it once it has arrived.
  useEffect(() => {
    if (target !== undefined && target < count && scrolledTo.current !== target) {
      scrolledTo.current = target;
      list.current?.scrollToIndex(target, 'center');
    }
  }, [target, count]);

  const selectLine = (index: number) => {
    setTarget(index);
    setFollow(false);
    scrolledTo.current = index;
    window.history.replaceState(null, '', `#L${index + 1}`);
  };

  if (!isSlugid(taskId) || !Number.isInteger(runId) || runId < 0) return <ErrorPanel error={new Error('The address does not name a task and run.')} />;
  const info = task.data?.task;
  const run = info?.status.runs.find((r) => r.runId === runId);

  return (
    <div>
      <nav className="small muted" aria-label="Breadcrumbs">
        <Link href="/tasks">Tasks</Link>
        {info && (
          <>
            {' '}
            › <Link href={`/groups/${info.taskGroupId}`}>Group {info.taskGroupId}</Link>
          </>
        )}{' '}
        › <Link href={`/tasks/${taskId}`}>{info?.metadata.name ?? taskId}</Link> › run {runId}
      </nav>
      <div className="page-head">
        <h1>
          Log of run {runId} {run && <StateBadge state={run.state} />}
        </h1>
        <span className="small muted" aria-live="polite" data-testid="log-phase" data-phase={phase}>
          {phase === 'connecting' ? 'connecting…' : phase === 'live' ? '● live' : phase === 'complete' ? 'complete: the run has ended' : 'stopped'}
        </span>
      </div>
      {task.error && <ErrorPanel error={task.error} onRetry={task.reload} />}
      {error !== undefined && <ErrorPanel error={error} />}
      <div className="toolbar" role="toolbar" aria-label="Log controls">
        <span className="small" data-testid="line-count">
          {count.toLocaleString('en-US')} lines
        </span>
        <label className="checkbox small" style={{ margin: 0 }}>
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => {
              setFollow(e.target.checked);
              if (e.target.checked) list.current?.scrollToEnd();
            }}
          />
          Follow
        </label>
        <button type="button" onClick={() => list.current?.scrollToIndex(0, 'start')}>
          Top
        </button>
        <button
          type="button"
          onClick={() => {
            setFollow(true);
            list.current?.scrollToEnd();
          }}
        >
          End
        </button>
        <a className="button" href={rawLogPath(taskId, runId)} target="_blank" rel="noopener noreferrer" data-testid="raw-log">
          Raw log
        </a>
        <a className="button" href={rawLogPath(taskId, runId)} download={`${taskId}-${runId}.log`}>
          Download
        </a>
        {run && info && run.runId !== info.status.runs.at(-1)?.runId && (
          <Link href={`/tasks/${taskId}/runs/${info.status.runs.at(-1)!.runId}/log`}>Latest run</Link>
        )}
      </div>
      {count === 0 && phase !== 'connecting' ? (
        <div className="state-box" data-testid="empty">
          {phase === 'complete' ? 'The run wrote no output.' : phase === 'live' ? 'Waiting for the first line…' : 'No lines.'}
        </div>
      ) : (
        <VirtualList
          ref={list}
          count={count}
          rowHeight={ROW}
          height={`min(${Math.max(count, 8) * ROW + 20}px, max(360px, calc(100vh - 250px)))`}
          className="log"
          ariaLabel="Log lines"
          testId="log-lines"
          contentWidth={80 + maxLength.current * CHAR_WIDTH}
          onScroll={(atEnd, user) => {
            if (user && !atEnd && followRef.current) setFollow(false);
            if (user && atEnd && !followRef.current && phase === 'live' && target === undefined) setFollow(true);
          }}
          renderRow={(i, style) => (
            <div key={i} className={`vrow${i === target ? ' target' : ''}`} style={style} role="listitem" data-index={i} id={`L${i + 1}`}>
              <a
                className="ln"
                href={`#L${i + 1}`}
                onClick={(e) => {
                  e.preventDefault();
                  selectLine(i);
                }}
                aria-label={`Line ${i + 1}`}
              >
                {i + 1}
              </a>
              <span className="text">{lines.current[i]}</span>
            </div>
          )}
        />
      )}
      <p className="small muted">
        Click a line number to link to that line (lines count from 1 here; the API&apos;s <code>fromLine</code> counts from 0). The raw log is the artifact{' '}
        <code>public/logs/live.log</code>, during the run and after.
      </p>
    </div>
  );
}

'use client';
// Find a task or group by id, create a task from JSON, and reopen what you looked at recently.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { ErrorPanel } from '@/components/States';
import { gql } from '@/lib/graphql';
import { useMutation } from '@/lib/hooks';
import { recentItems, type Recent } from '@/lib/recent';
import { isSlugid, newTaskId } from '@/lib/tasks';

function template(): string {
  const now = Date.now();
  return JSON.stringify(
    {
      taskQueueId: 'local/default',
      created: new Date(now).toISOString(),
      deadline: new Date(now + 3600_000).toISOString(),
      metadata: { name: 'hello world', description: 'Made in the portal', owner: 'me@example.com', source: 'https://example.com/portal' },
      payload: { command: ['sh', '-c', 'echo hello world; sleep 2; echo done'], maxRunTime: 60 },
    },
    null,
    2,
  );
}

export function TasksHome() {
  const router = useRouter();
  const [id, setId] = useState('');
  const [lookupError, setLookupError] = useState<unknown>();
  const [recent, setRecent] = useState<Recent[]>([]);
  const [taskId, setTaskId] = useState('');
  const [definition, setDefinition] = useState('');
  const [parseError, setParseError] = useState<string | undefined>();
  const create = useMutation<{ createTask: { taskId: string } }>(`mutation CreateTask($taskId: ID!, $task: TaskInput!) { createTask(taskId: $taskId, task: $task) { taskId state } }`);
  useEffect(() => {
    setRecent(recentItems());
    setTaskId(newTaskId());
    setDefinition(template());
  }, []);

  const open = async (event: React.FormEvent) => {
    event.preventDefault();
    setLookupError(undefined);
    const value = id.trim();
    if (!isSlugid(value)) {
      setLookupError(new Error('Task and group ids are 22-character slugids (letters, digits, - and _).'));
      return;
    }
    try {
      const data = await gql<{ task: { taskId: string } | null; taskGroup: { taskGroupId: string } | null }>(
        `query Find($id: ID!) { task(taskId: $id) { taskId } taskGroup(taskGroupId: $id) { taskGroupId } }`,
        { id: value },
      );
      if (data.task) router.push(`/tasks/${value}`);
      else if (data.taskGroup) router.push(`/groups/${value}`);
      else setLookupError(new Error(`No task or task group has the id ${value}.`));
    } catch (error) {
      setLookupError(error);
    }
  };

  return (
    <div className="stack">
      <h1>Tasks</h1>
      <form className="card" onSubmit={open} style={{ maxWidth: 760 }}>
        <label htmlFor="find-id">Task id or task group id</label>
        <div className="row" style={{ flexWrap: 'nowrap' }}>
          <input id="find-id" className="mono" value={id} onChange={(e) => setId(e.target.value)} placeholder="e.g. fN1-5eLgTxqWQy2qzAzJrg" />
          <button type="submit" className="primary">
            Open
          </button>
        </div>
        {lookupError !== undefined && (
          <div style={{ marginTop: 10 }}>
            <ErrorPanel error={lookupError} />
          </div>
        )}
      </form>
      {recent.length > 0 && (
        <section className="card" style={{ maxWidth: 760 }}>
          <h2>Recently opened</h2>
          <ul>
            {recent.map((r) =>
              r.taskId ? (
                <li key={`t${r.taskId}`}>
                  Task <Link href={`/tasks/${r.taskId}`}>{r.name ?? r.taskId}</Link>
                </li>
              ) : (
                <li key={`g${r.taskGroupId}`}>
                  Group <Link href={`/groups/${r.taskGroupId}`} className="mono">{r.taskGroupId}</Link>
                </li>
              ),
            )}
          </ul>
        </section>
      )}
      <form
        className="card"
        style={{ maxWidth: 760 }}
        onSubmit={async (event) => {
          event.preventDefault();
          setParseError(undefined);
          let task: unknown;
          try {
            task = JSON.parse(definition);
          } catch (e) {
            setParseError(`The definition is not valid JSON: ${(e as Error).message}`);
            return;
          }
          const data = await create.run({ taskId: taskId.trim(), task });
          if (data) router.push(`/tasks/${data.createTask.taskId}`);
        }}
      >
        <h2>Create a task</h2>
        <p className="small muted">
          A Taskcluster-style task definition (see <Link href="/docs/hello-world">hello world</Link>). The worker of <code>local/default</code> runs the
          command; the task page then shows its log live.
        </p>
        <label htmlFor="new-task-id">Task id</label>
        <div className="row" style={{ flexWrap: 'nowrap' }}>
          <input id="new-task-id" className="mono" value={taskId} onChange={(e) => setTaskId(e.target.value)} />
          <button type="button" onClick={() => setTaskId(newTaskId())}>
            New id
          </button>
        </div>
        <label htmlFor="new-task-definition">Definition (JSON)</label>
        <textarea id="new-task-definition" value={definition} onChange={(e) => setDefinition(e.target.value)} rows={16} spellCheck={false} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={create.running}>
            Create task
          </button>
          <button type="button" onClick={() => setDefinition(template())}>
            Reset to hello world
          </button>
        </div>
        {parseError && (
          <div className="alert" role="alert" style={{ marginTop: 10 }}>
            {parseError}
          </div>
        )}
        {create.error && (
          <div style={{ marginTop: 10 }}>
            <ErrorPanel error={create.error} />
          </div>
        )}
      </form>
    </div>
  );
}

// The throughput benchmark's clients — creators and workers over GraphQL HTTP — on a worker
// thread of their own, as real clients run apart from the gateway: on the gateway's thread their
// JSON and HTTP work would queue behind (and ahead of) the gateway's own. The thread is in the
// gateway's process, so the process's CPU per task still counts both.
// Protocol: workerData { url, auth, sizes, warmupTasks }; the thread warms up on a queue of its
// own, posts 'warm', runs the measured lifecycle when told 'go' (with the queue to use) and posts
// { result, retries }.
import { parentPort, workerData } from 'node:worker_threads';
import { describeRetries, graphqlClient, type GraphqlClient } from './graphql';
import { runLifecycle, type LifecycleDriver, type LifecycleSizes } from './lifecycle';
import { benchQueue, claimWork, CREATE_GRAPH, reportCompleted, reportRunsCompleted, trivialTask } from './tasks';

export interface ClientsData {
  url: string;
  auth: string;
  sizes: LifecycleSizes;
  warmupTasks: number;
}

function gatewayDriver(client: GraphqlClient, taskQueueId: string): LifecycleDriver {
  return {
    async createBatch(batch) {
      const tasks = batch.taskIds.map((taskId) => ({ taskId, task: trivialTask(taskQueueId, { taskGroupId: batch.taskGroupId }) }));
      const data = await client.request<{ createTaskGraph: { state: string }[] }>(CREATE_GRAPH, { tasks });
      if (data.createTaskGraph.some((s) => s.state !== 'pending')) throw new Error('a created task is not pending');
    },
    claim: ({ workerId, tasks, signal }) => claimWork(client, { taskQueueId, workerId, tasks, signal }),
    async reportCompleted(runs) {
      // One run: reportCompleted with its task credentials; several: reportRuns as the worker that claimed them.
      const states = runs.length === 1 ? [await reportCompleted(client, { ...runs[0], auth: runs[0].auth! })] : await reportRunsCompleted(client, runs);
      const wrong = states.findIndex((state) => state !== 'completed');
      if (wrong >= 0) throw new Error(`task ${runs[wrong].taskId} is ${states[wrong]} after it was reported completed`);
    },
  };
}

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const { url, auth, sizes, warmupTasks } = workerData as ClientsData;
  // Requests failing with an internal error are sent again (and counted), as a worker would.
  const client = graphqlClient(url, auth, 3);
  // A few tasks on a queue of their own first, so the figures do not include compiling the
  // schema, the resolvers and TypeORM's statement builders.
  await runLifecycle(gatewayDriver(client, benchQueue()), { ...sizes, tasks: Math.min(warmupTasks, sizes.tasks), batch: 50 });
  client.retried.clear();
  const taskQueueId = await new Promise<string>((resolve) => {
    port.once('message', resolve);
    port.postMessage('warm');
  });
  const result = await runLifecycle(gatewayDriver(client, taskQueueId), sizes);
  port.postMessage({ result, retries: describeRetries(client) });
}

if (parentPort) {
  const port = parentPort;
  main(port).catch((error) => port.postMessage({ error: error instanceof Error ? error.stack ?? error.message : String(error) }));
}

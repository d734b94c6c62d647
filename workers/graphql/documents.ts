// Every GraphQL operation the worker sends, with the shape of its answer. A test validates each
// document against gateway/schema.graphql, so the worker cannot drift from the gateway.

export interface Credentials {
  clientId: string;
  accessToken: string;
  /** The certificate's JSON text for temporary credentials; null or absent for a permanent client. */
  certificate?: string | null;
}

export interface ClaimedTask {
  taskId: string;
  taskGroupId: string;
  deadline: string;
  expires: string;
  scopes: string[];
  payload: Record<string, unknown>;
}

export interface Claim {
  runId: number;
  takenUntil: string;
  task: ClaimedTask;
  credentials: Credentials;
}

export const CLAIM_WORK = `mutation ClaimWork($taskQueueId: String!, $workerGroup: String!, $workerId: String!, $tasks: Int!) {
  claimWork(taskQueueId: $taskQueueId, workerGroup: $workerGroup, workerId: $workerId, tasks: $tasks) {
    runId
    takenUntil
    task { taskId taskGroupId deadline expires scopes payload }
    credentials { clientId accessToken certificate }
  }
}`;
export type ClaimWorkResult = { claimWork: Claim[] };

export const RECLAIM_TASK = `mutation ReclaimTask($taskId: ID!, $runId: Int!) {
  reclaimTask(taskId: $taskId, runId: $runId) {
    takenUntil
    credentials { clientId accessToken certificate }
  }
}`;
export type ReclaimTaskResult = { reclaimTask: { takenUntil: string; credentials: Credentials } };

const RUN_STATE = 'state runs { runId state reasonResolved }';

export const REPORT_COMPLETED = `mutation ReportCompleted($taskId: ID!, $runId: Int!) {
  reportCompleted(taskId: $taskId, runId: $runId) { ${RUN_STATE} }
}`;
export const REPORT_FAILED = `mutation ReportFailed($taskId: ID!, $runId: Int!) {
  reportFailed(taskId: $taskId, runId: $runId) { ${RUN_STATE} }
}`;
export const REPORT_EXCEPTION = `mutation ReportException($taskId: ID!, $runId: Int!, $reason: String!) {
  reportException(taskId: $taskId, runId: $runId, reason: $reason) { ${RUN_STATE} }
}`;

export const CREATE_ARTIFACT = `mutation CreateArtifact($taskId: ID!, $runId: Int!, $name: String!, $storageType: String!,
    $expires: DateTime, $contentType: String, $reason: String, $message: String) {
  createArtifact(taskId: $taskId, runId: $runId, name: $name, storageType: $storageType, expires: $expires,
      contentType: $contentType, reason: $reason, message: $message) {
    uploadPath
    artifact { present }
  }
}`;
export type CreateArtifactResult = { createArtifact: { uploadPath: string | null; artifact: { present: boolean } } };

export const APPEND_TASK_LOG = `mutation AppendTaskLog($taskId: ID!, $runId: Int!, $fromLine: Int!, $lines: [String!]!) {
  appendTaskLog(taskId: $taskId, runId: $runId, fromLine: $fromLine, lines: $lines)
}`;
export type AppendTaskLogResult = { appendTaskLog: number };

export const SECRET = `query Secret($name: String!) {
  secret(name: $name) { name secret expires }
}`;
export type SecretResult = { secret: { name: string; secret: Record<string, unknown>; expires: string } | null };

export const REGISTER_WORKER = `mutation RegisterWorker($workerPoolId: String!, $workerGroup: String!, $workerId: String!, $registrationToken: String!) {
  registerWorker(workerPoolId: $workerPoolId, workerGroup: $workerGroup, workerId: $workerId, registrationToken: $registrationToken) {
    credentials { clientId accessToken certificate }
    expires
  }
}`;
export type RegisterWorkerResult = { registerWorker: { credentials: Credentials; expires: string } };

/** Every document, by name, for the schema check. */
export const DOCUMENTS = {
  CLAIM_WORK,
  RECLAIM_TASK,
  REPORT_COMPLETED,
  REPORT_FAILED,
  REPORT_EXCEPTION,
  CREATE_ARTIFACT,
  APPEND_TASK_LOG,
  SECRET,
  REGISTER_WORKER,
};

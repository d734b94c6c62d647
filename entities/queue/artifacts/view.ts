// An artifact as the API shows it, and the events that announce one.
import type { Core } from '../../core';
import type { Artifact, StorageType } from '../Artifact';
import { topics } from '../events';

export interface ArtifactView {
  taskId: string;
  runId: number;
  name: string;
  storageType: StorageType;
  contentType: string | null;
  contentLength: number | null;
  expires: Date;
  created: Date;
  /** file: the bytes are uploaded; other types: always true. */
  present: boolean;
  /** reference: the URL. */
  url: string | null;
  /** link: the linked artifact's name. */
  artifact: string | null;
  /** error: Taskcluster's reason and the worker's message. */
  reason: string | null;
  message: string | null;
}

export function artifactView(row: Artifact): ArtifactView {
  return {
    taskId: row.taskId,
    runId: row.runId,
    name: row.name,
    storageType: row.storageType,
    contentType: row.contentType,
    contentLength: row.contentLength,
    expires: row.expires,
    created: row.created,
    present: row.present,
    url: row.details.url ?? null,
    artifact: row.details.artifact ?? null,
    reason: row.details.reason ?? null,
    message: row.details.message ?? null,
  };
}

/** Where the gateway serves an artifact: `/artifacts/<taskId>/<runId|latest>/<name>`, segments encoded. */
export function artifactPath(taskId: string, runId: number | 'latest', name: string): string {
  return `/artifacts/${encodeURIComponent(taskId)}/${runId}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

export interface ArtifactCreatedEvent {
  kind: 'artifact-created';
  artifact: ArtifactView;
}

/** Announced when an artifact becomes readable: at creation, or for `file` once its bytes are up. */
export async function publishArtifactCreated(core: Core, artifact: ArtifactView): Promise<void> {
  const event: ArtifactCreatedEvent = { kind: 'artifact-created', artifact };
  try {
    await core.events.publish(topics.artifact(artifact.taskId), event);
  } catch (error) {
    core.log.warn({ err: error, taskId: artifact.taskId, runId: artifact.runId }, 'artifact-created could not be published');
  }
}

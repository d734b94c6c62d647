// Pure rules of artifacts: names, types, what each type needs, when a re-create is the same.
import { InputError } from '../../errors';
import { STORAGE_TYPES, type ArtifactDetails, type StorageType } from '../Artifact';

export const MAX_NAME_LENGTH = 512;
/** How many links a download follows before giving up (a loop, or a chain nobody meant). */
export const MAX_LINK_DEPTH = 10;
/** Taskcluster's reasons for an error artifact. */
export const ERROR_REASONS = ['file-missing-on-worker', 'invalid-resource-on-worker', 'too-large-file-on-worker'] as const;
export const DEFAULT_FILE_CONTENT_TYPE = 'application/octet-stream';

const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * Names are printable ASCII (they become scopes: `queue:get-artifact:<name>`), may contain `/`,
 * but no empty, `.` or `..` segment: URLs would normalize those away and reach another artifact.
 */
export function checkArtifactName(name: string): void {
  const fail = (why: string) => {
    throw new InputError(`artifact name ${JSON.stringify(name)} ${why}`, { field: 'name' });
  };
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) fail(`must be 1–${MAX_NAME_LENGTH} characters`);
  if (!PRINTABLE.test(name)) fail('must be printable ASCII');
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') fail("may not start or end with '/' nor contain '//', '.' or '..' segments");
  }
}

export function getArtifactScope(name: string): string {
  return `queue:get-artifact:${name}`;
}

/** What createArtifact receives, before validation. */
export interface ArtifactInput {
  storageType: string;
  expires?: Date | null;
  contentType?: string | null;
  url?: string | null;
  artifact?: string | null;
  reason?: string | null;
  message?: string | null;
}

export interface ArtifactSpec {
  storageType: StorageType;
  contentType: string | null;
  details: ArtifactDetails;
}

/** Validates the type-specific fields; each type takes only its own. */
export function artifactSpec(input: ArtifactInput): ArtifactSpec {
  const type = input.storageType as StorageType;
  if (!(STORAGE_TYPES as readonly string[]).includes(type)) {
    throw new InputError(`storageType must be one of ${STORAGE_TYPES.join(', ')}`, { field: 'storageType' });
  }
  const allowed: Record<StorageType, (keyof ArtifactInput)[]> = {
    file: ['contentType'],
    reference: ['contentType', 'url'],
    link: ['artifact'],
    error: ['reason', 'message'],
  };
  for (const field of ['contentType', 'url', 'artifact', 'reason', 'message'] as const) {
    if (input[field] != null && !allowed[type].includes(field)) {
      throw new InputError(`${field} does not apply to ${type} artifacts`, { field });
    }
  }
  const contentType = input.contentType ?? (type === 'file' ? DEFAULT_FILE_CONTENT_TYPE : null);
  if (contentType !== null && (contentType.length > 255 || !PRINTABLE.test(contentType))) {
    throw new InputError('contentType must be 1–255 printable ASCII characters', { field: 'contentType' });
  }
  switch (type) {
    case 'file':
      return { storageType: type, contentType, details: {} };
    case 'reference': {
      const url = input.url ?? '';
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      // Downloads redirect to it: only web URLs, never javascript: or data:.
      if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || url.length > 4096) {
        throw new InputError('a reference artifact needs url: an http(s) URL of at most 4096 characters', { field: 'url' });
      }
      return { storageType: type, contentType, details: { url } };
    }
    case 'link': {
      if (!input.artifact) throw new InputError('a link artifact needs artifact: the name of another artifact of the run', { field: 'artifact' });
      checkArtifactName(input.artifact);
      return { storageType: type, contentType: null, details: { artifact: input.artifact } };
    }
    case 'error': {
      if (!input.reason || !(ERROR_REASONS as readonly string[]).includes(input.reason)) {
        throw new InputError(`an error artifact needs reason: one of ${ERROR_REASONS.join(', ')}`, { field: 'reason' });
      }
      const message = input.message ?? '';
      if (!message || message.length > 4096) throw new InputError('an error artifact needs message: 1–4096 characters', { field: 'message' });
      return { storageType: type, contentType: null, details: { reason: input.reason, message } };
    }
  }
}

/** Whether an existing artifact is the one asked for again (createArtifact is idempotent). */
export function sameArtifact(
  existing: { storageType: string; contentType: string | null; details: ArtifactDetails; expires: Date },
  wanted: ArtifactSpec & { expires: Date },
): boolean {
  return (
    existing.storageType === wanted.storageType &&
    existing.contentType === wanted.contentType &&
    existing.expires.getTime() === wanted.expires.getTime() &&
    canonical(existing.details) === canonical(wanted.details)
  );
}

function canonical(details: ArtifactDetails): string {
  return JSON.stringify(Object.keys(details).sort().map((k) => [k, details[k as keyof ArtifactDetails]]));
}

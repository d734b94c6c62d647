// Every migration, in order. New ones are appended; applied ones are never edited.
import { Auth1764320000001 } from './0001-auth';
import { Queue1764320000002 } from './0002-queue';
import { ArtifactsIndex1764320000003 } from './0003-artifacts-index';
import { Audit1764320000004 } from './0004-audit';

export const migrations = [
  Auth1764320000001,
  Queue1764320000002,
  ArtifactsIndex1764320000003,
  Audit1764320000004,
];

// Every migration, in order. New ones are appended; applied ones are never edited.
import { Auth1764320000001 } from './0001-auth';

export const migrations = [Auth1764320000001];

// Temporary credentials, as in Taskcluster: a certificate naming scopes and a validity window,
// signed with the deployment's credentials key, and an access token derived from its seed.
// Access tokens of permanent clients are stored hashed, so certificates are issued by the
// gateway (createTemporaryCredentials, task claims) rather than computed by clients offline.
import crypto from 'node:crypto';
import { AuthenticationFailed, InputError } from '../errors';

export const MAX_TEMPORARY_MS = 31 * 24 * 3600 * 1000;
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface Certificate {
  version: 1;
  /** Who the credentials act as. */
  clientId: string;
  /** Whose scopes bound them: a client, or `taskgate:queue` for task credentials. */
  issuer: string;
  scopes: string[];
  start: number;
  expiry: number;
  seed: string;
  signature: string;
}

export interface TemporaryCredentials {
  clientId: string;
  accessToken: string;
  /** The certificate's JSON text, as Taskcluster's temporary credentials carry it. */
  certificate: string;
}

export function issueTemporaryCredentials(
  key: Buffer,
  props: { clientId: string; issuer: string; scopes: string[]; start: Date; expiry: Date },
): TemporaryCredentials {
  if (props.expiry.getTime() <= props.start.getTime()) throw new InputError('expiry must be after start');
  if (props.expiry.getTime() - props.start.getTime() > MAX_TEMPORARY_MS) {
    throw new InputError('temporary credentials may last at most 31 days');
  }
  const seed = randomSeed();
  const unsigned = {
    version: 1 as const,
    clientId: props.clientId,
    issuer: props.issuer,
    scopes: [...props.scopes],
    start: props.start.getTime(),
    expiry: props.expiry.getTime(),
    seed,
  };
  const certificate: Certificate = { ...unsigned, signature: sign(key, unsigned) };
  return { clientId: props.clientId, accessToken: tokenFor(key, seed), certificate: JSON.stringify(certificate) };
}

/** Checks signature, token and validity window; the caller checks the issuer still stands behind it. */
export function verifyCertificate(key: Buffer, clientId: string, accessToken: string, raw: unknown, now: Date): Certificate {
  const cert = parseCertificate(raw);
  if (cert.clientId !== clientId) throw new AuthenticationFailed('the certificate was issued for another clientId');
  const { signature, ...unsigned } = cert;
  if (!equal(signature, sign(key, unsigned))) throw new AuthenticationFailed('the certificate signature is invalid');
  if (!equal(accessToken, tokenFor(key, cert.seed))) throw new AuthenticationFailed('the access token does not match the certificate');
  const t = now.getTime();
  if (cert.start - CLOCK_SKEW_MS > t) throw new AuthenticationFailed('the temporary credentials are not valid yet');
  if (cert.expiry < t) throw new AuthenticationFailed('the temporary credentials have expired');
  if (cert.expiry - cert.start > MAX_TEMPORARY_MS) throw new AuthenticationFailed('the certificate is valid for more than 31 days');
  return cert;
}

function parseCertificate(raw: unknown): Certificate {
  let cert: unknown = raw;
  if (typeof raw === 'string') {
    try {
      cert = JSON.parse(raw);
    } catch {
      throw new AuthenticationFailed('the certificate is not valid JSON');
    }
  }
  const c = cert as Partial<Certificate> | null;
  const ok =
    c !== null &&
    typeof c === 'object' &&
    c.version === 1 &&
    typeof c.clientId === 'string' &&
    typeof c.issuer === 'string' &&
    Array.isArray(c.scopes) &&
    c.scopes.every((s) => typeof s === 'string') &&
    Number.isFinite(c.start) &&
    Number.isFinite(c.expiry) &&
    typeof c.seed === 'string' &&
    typeof c.signature === 'string';
  if (!ok) throw new AuthenticationFailed('the certificate is malformed');
  return c as Certificate;
}

// Seeds are cut from a pool of random bytes refilled 4 KiB at a time: a claim of 32 tasks issues
// 32 credentials, and one randomBytes call costs about as much as the rest of issuing one.
let seedPool = Buffer.alloc(0);
let seedOffset = 0;

function randomSeed(): string {
  if (seedOffset + 32 > seedPool.length) {
    seedPool = crypto.randomBytes(4096);
    seedOffset = 0;
  }
  const seed = seedPool.subarray(seedOffset, seedOffset + 32).toString('base64url');
  seedOffset += 32;
  return seed;
}

function sign(key: Buffer, unsigned: Omit<Certificate, 'signature'>): string {
  const text = JSON.stringify([unsigned.version, unsigned.clientId, unsigned.issuer, unsigned.scopes, unsigned.start, unsigned.expiry, unsigned.seed]);
  return crypto.createHmac('sha256', key).update(text).digest('base64url');
}

function tokenFor(key: Buffer, seed: string): string {
  return crypto.createHmac('sha256', key).update(`token:${seed}`).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

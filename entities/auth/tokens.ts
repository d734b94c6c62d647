import crypto from 'node:crypto';

/** A new access token: 256 random bits, URL-safe. */
export function generateAccessToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashAccessToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares without leaking, through timing, how much of the token was right. */
export function accessTokenMatches(token: string, hash: string): boolean {
  const actual = Buffer.from(hashAccessToken(token), 'hex');
  const expected = Buffer.from(hash, 'hex');
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

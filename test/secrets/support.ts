// Helpers for the secrets tests: the GraphQL operations, a value that is easy to search for, and
// the raw rows as the database holds them.
import type { TestGateway } from '../support/gateway';

export const SET_SECRET = `mutation ($name: String!, $secret: SecretInput!) {
  setSecret(name: $name, secret: $secret) { name expires created lastModified } }`;
export const SET_SECRET_READ_BACK = `mutation ($name: String!, $secret: SecretInput!) {
  setSecret(name: $name, secret: $secret) { name secret expires } }`;
export const GET_SECRET = 'query ($name: String!) { secret(name: $name) { name secret expires created lastModified } }';
export const DELETE_SECRET = 'mutation ($name: String!) { deleteSecret(name: $name) }';
export const LIST_SECRETS = `query ($prefix: String, $first: Int, $after: String) {
  secrets(prefix: $prefix, first: $first, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } totalCount } }`;
export const AUDIT = `query ($id: String!) {
  auditHistory(entityType: "secret", entityId: $id) { nodes { entityType entityId action clientId at } } }`;

let counter = 0;
/** A value whose parts are unique strings, so finding any of them anywhere means a leak. */
export function plaintext(label = 'v'): { value: Record<string, unknown>; needles: string[] } {
  counter += 1;
  const token = `${label}-token-${process.pid}-${counter}-Zq9xW`;
  const password = `${label}-pw-${counter}-Hunter2Swordfish`;
  return { value: { token, nested: { password, list: [`${label}-item-${counter}-Kx7`] } }, needles: [token, password, `${label}-item-${counter}-Kx7`] };
}

export function inMs(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

export function inDays(days: number): string {
  return inMs(days * 86_400_000);
}

export async function setSecret(t: TestGateway, name: string, value: Record<string, unknown>, expires = inDays(30), auth = t.root) {
  return t.ok(SET_SECRET, { name, secret: { secret: value, expires } }, auth);
}

export interface RawSecretRow {
  name: string;
  key_id: string;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
}

/** The row as stored, every column, straight from the table. */
export async function rawRow(t: TestGateway, name: string): Promise<RawSecretRow | undefined> {
  const [row] = await t.core.db.query('SELECT * FROM secrets WHERE name = ?', [name]);
  return row;
}

/** Every byte of every row and column of a table, as one buffer (text columns as UTF-8). */
export async function tableBytes(t: TestGateway, table: string): Promise<Buffer> {
  const rows: Record<string, unknown>[] = await t.core.db.query(`SELECT * FROM ${table}`);
  const parts: Buffer[] = [];
  for (const row of rows) {
    for (const value of Object.values(row)) {
      parts.push(Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8'));
    }
  }
  return Buffer.concat(parts);
}

export function containsAny(haystack: Buffer | string, needles: string[]): string[] {
  const text = Buffer.isBuffer(haystack) ? haystack : Buffer.from(haystack, 'utf8');
  return needles.filter((needle) => text.includes(Buffer.from(needle, 'utf8')));
}

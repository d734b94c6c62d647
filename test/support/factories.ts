// Builders of valid objects through the API; a test overrides only what it is about.
import type { TestGateway } from './gateway';

let counter = 0;
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

export const CREATE_CLIENT = `
  mutation ($clientId: String!, $client: ClientInput!) {
    createClient(clientId: $clientId, client: $client) { clientId accessToken scopes expandedScopes expires disabled }
  }`;

export const CREATE_ROLE = `
  mutation ($roleId: String!, $role: RoleInput!) {
    createRole(roleId: $roleId, role: $role) { roleId scopes expandedScopes description }
  }`;

export interface MadeClient {
  clientId: string;
  accessToken: string;
  /** `<clientId>:<accessToken>`, for the Bearer header. */
  auth: string;
}

/** Creates a client (as root unless `as` is given) and returns its credentials. */
export async function makeClient(
  t: TestGateway,
  overrides: { clientId?: string; scopes?: string[]; expires?: string; description?: string; deleteOnExpiration?: boolean } = {},
  as: string = t.root,
): Promise<MadeClient> {
  const { clientId = uniqueId('client'), ...client } = overrides;
  const data = await t.ok<{ createClient: { clientId: string; accessToken: string } }>(
    CREATE_CLIENT,
    { clientId, client: { scopes: [], expires: inDays(1), ...client } },
    as,
  );
  const { accessToken } = data.createClient;
  return { clientId, accessToken, auth: `${clientId}:${accessToken}` };
}

export async function makeRole(t: TestGateway, roleId: string, scopes: string[], as: string = t.root) {
  const data = await t.ok<{ createRole: { roleId: string; expandedScopes: string[] } }>(CREATE_ROLE, { roleId, role: { scopes } }, as);
  return data.createRole;
}

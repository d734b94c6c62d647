// Reads credentials from an Authorization header or graphql-ws connectionParams.
//   Bearer <clientId>:<accessToken>
//   Bearer <base64url(JSON {clientId, accessToken, certificate?, authorizedScopes?})>
import type { Credentials } from '../entities/auth/authenticate';
import { AuthenticationFailed } from '../entities/errors';

export interface ParsedAuthorization {
  credentials: Credentials | undefined;
  authorizedScopes: string[] | undefined;
}

export function parseAuthorization(header: unknown, authorizedScopesHeader?: unknown): ParsedAuthorization {
  const authorizedScopes = parseAuthorizedScopes(authorizedScopesHeader);
  if (header === undefined || header === null || header === '') return { credentials: undefined, authorizedScopes };
  if (typeof header !== 'string') throw new AuthenticationFailed('authorization must be a string: "Bearer <clientId>:<accessToken>"');
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new AuthenticationFailed('authorization must be "Bearer <clientId>:<accessToken>" or "Bearer <base64url JSON credentials>"');
  const value = match[1];
  const colon = value.lastIndexOf(':');
  if (colon > 0) {
    return { credentials: { clientId: value.slice(0, colon), accessToken: value.slice(colon + 1) }, authorizedScopes };
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new AuthenticationFailed('the bearer token is neither <clientId>:<accessToken> nor base64url-encoded JSON');
  }
  if (typeof json?.clientId !== 'string' || typeof json.accessToken !== 'string') {
    throw new AuthenticationFailed('the encoded credentials need string fields clientId and accessToken');
  }
  return {
    credentials: { clientId: json.clientId, accessToken: json.accessToken, certificate: json.certificate ?? undefined },
    authorizedScopes: authorizedScopes ?? parseAuthorizedScopes(json.authorizedScopes),
  };
}

function parseAuthorizedScopes(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      throw new AuthenticationFailed('authorizedScopes must be a JSON array of strings');
    }
  }
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    throw new AuthenticationFailed('authorizedScopes must be a JSON array of strings');
  }
  return list;
}

// The closed set of domain errors. The gateway maps each `code` to GraphQL `extensions.code` once;
// anything that is not a DomainError is an internal error and its message is never shown.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'INSUFFICIENT_SCOPES'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'EXPIRED'
  | 'TOO_COMPLEX'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InputError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
}

export class AuthenticationFailed extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

export class InsufficientScopes extends DomainError {
  readonly code = 'INSUFFICIENT_SCOPES';
  constructor(
    readonly missing: string[],
    readonly grantingRoles: string[],
    action: string,
  ) {
    super(insufficientMessage(missing, grantingRoles, action), { missing, grantingRoles, action });
  }
}

export class ResourceNotFound extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class RequestConflict extends DomainError {
  readonly code = 'CONFLICT';
}

export class ResourceExpired extends DomainError {
  readonly code = 'EXPIRED';
}

export class TooComplex extends DomainError {
  readonly code = 'TOO_COMPLEX';
}

/**
 * The database (or another backing service) cannot be reached. Its code stays in the closed set;
 * `details.retryable` tells clients that trying again shortly may work.
 */
export class ServiceUnavailable extends DomainError {
  readonly code = 'INTERNAL_SERVER_ERROR';
  constructor(message: string) {
    super(message, { reason: 'service-unavailable', retryable: true });
  }
}

function insufficientMessage(missing: string[], roles: string[], action: string): string {
  const lines = [`${action} requires scopes you do not have: ${missing.join(', ')}.`];
  if (roles.length) lines.push(`These roles would grant them: ${roles.map((r) => `assume:${r}`).join(', ')}.`);
  return lines.join(' ');
}

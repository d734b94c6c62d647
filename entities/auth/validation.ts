import { InputError } from '../errors';
import { validateScope } from './scopes';

const CLIENT_ID = /^[A-Za-z0-9!@/:.+|_-]{1,255}$/;
const ROLE_ID = /^[\x20-\x7e]{1,255}$/;
const MAX_SCOPES = 1000;
const MAX_DESCRIPTION = 10_000;

/** Issuers of platform credentials (task and worker credentials) are named `taskgate:…`. */
const RESERVED_PREFIX = 'taskgate:';

export function checkClientId(clientId: string): void {
  if (!CLIENT_ID.test(clientId)) {
    throw new InputError(`clientId "${clientId}" must be 1–255 characters of A-Z a-z 0-9 ! @ / : . + | _ -`, { field: 'clientId' });
  }
  // A client by such a name would pass for the platform when checking who issued credentials.
  if (clientId.startsWith(RESERVED_PREFIX)) {
    throw new InputError(`clientIds starting with "${RESERVED_PREFIX}" are reserved for the platform`, { field: 'clientId' });
  }
}

export function checkRoleId(roleId: string): void {
  if (!ROLE_ID.test(roleId)) throw new InputError('roleId must be 1–255 printable ASCII characters', { field: 'roleId' });
}

export function checkScopes(scopes: readonly string[], field = 'scopes'): void {
  if (scopes.length > MAX_SCOPES) throw new InputError(`${field} may hold at most ${MAX_SCOPES} scopes`, { field });
  for (const scope of scopes) {
    const problem = validateScope(scope);
    if (problem) throw new InputError(`${field}: ${problem}`, { field, scope });
  }
}

export function checkDescription(description: string): void {
  if (description.length > MAX_DESCRIPTION) {
    throw new InputError(`description may be at most ${MAX_DESCRIPTION} characters`, { field: 'description' });
  }
}

export function checkDate(date: Date, field: string): void {
  if (Number.isNaN(date.getTime())) throw new InputError(`${field} is not a valid date`, { field });
}

// The per-request GraphQL context: who is calling, the core, and the request's DataLoaders.
import type { Caller } from '../entities/auth/caller';
import type { CommandContext } from '../entities/auth/require-scopes';
import type { Core } from '../entities/core';
import type { Logger } from '../entities/log';
import { createLoaders, Loaders } from './loaders';

export interface GatewayContext extends CommandContext {
  readonly core: Core;
  readonly caller: Caller;
  readonly requestId: string;
  readonly log: Logger;
  readonly loaders: Loaders;
  /** Aborted when the client goes away, so long polls stop waiting. */
  readonly signal?: AbortSignal;
  /** Filled by the limits plugin; reported as `extensions.cost`. */
  cost?: { requested: number; limit: number };
}

export function createContext(core: Core, caller: Caller, requestId: string, signal?: AbortSignal): GatewayContext {
  const base = { core, caller };
  return {
    ...base,
    signal,
    requestId,
    log: core.log.child({ requestId, clientId: caller.clientId }),
    loaders: createLoaders(base),
  };
}

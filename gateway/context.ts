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

/** `signal` may be given as a function, called on first use: an AbortController is not cheap. */
export function createContext(core: Core, caller: Caller, requestId: string, signal?: AbortSignal | (() => AbortSignal)): GatewayContext {
  return new RequestContext(core, caller, requestId, signal);
}

/**
 * The logger and the DataLoaders are made on first use: a subscription keeps its context for as
 * long as it lasts, and most (a log's thousands of followers) never use either — ~2 KB each.
 */
class RequestContext implements GatewayContext {
  cost?: { requested: number; limit: number };
  private madeLog?: Logger;
  private madeLoaders?: Loaders;

  constructor(
    readonly core: Core,
    readonly caller: Caller,
    readonly requestId: string,
    private readonly givenSignal?: AbortSignal | (() => AbortSignal),
  ) {}

  get signal(): AbortSignal | undefined {
    return typeof this.givenSignal === 'function' ? this.givenSignal() : this.givenSignal;
  }

  get log(): Logger {
    return (this.madeLog ??= this.core.log.child({ requestId: this.requestId, clientId: this.caller.clientId }));
  }

  get loaders(): Loaders {
    return (this.madeLoaders ??= createLoaders({ core: this.core, caller: this.caller }));
  }
}

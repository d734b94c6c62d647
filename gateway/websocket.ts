// graphql-ws (graphql-transport-ws protocol) on the gateway's port and path. Credentials come in
// connectionParams.authorization; every operation gets the same limits and error mapping as HTTP.
import crypto from 'node:crypto';
import { execute, GraphQLError, GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { authenticate } from '../entities/auth/authenticate';
import type { Caller } from '../entities/auth/caller';
import type { Core } from '../entities/core';
import { createContext } from './context';
import { parseAuthorization } from './credentials';
import { classifyError, formatError } from './errors';
import { parsedDocuments } from './documents';
import { enforceLimits } from './limits';
import { sendDirectly, subscribeWithTaskLogResults } from './queue/log-results';
import { directSender, serveGraphqlWs } from './ws-transport';

/** RFC 6455 close code for a temporary condition; graphql-ws clients retry after it. */
const TRY_AGAIN_LATER = 1013;

export function attachWebSocket(core: Core, schema: GraphQLSchema, wsServer: WebSocketServer): { close(): Promise<void> } {
  const callers = new WeakMap<WebSocket, Caller>();
  const format = formatError(() => undefined);
  const documents = parsedDocuments(schema);

  const server = serveGraphqlWs(
    {
      schema,
      execute,
      subscribe: subscribeWithTaskLogResults,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        try {
          const { credentials, authorizedScopes } = parseAuthorization(params.authorization, params.authorizedScopes);
          callers.set(ctx.extra.socket, await authenticate(core, { credentials, authorizedScopes }));
          return true;
        } catch (error) {
          const c = classifyError(error);
          if (c.internal) core.log.error({ err: error }, 'internal error while authenticating a WebSocket');
          // Closing with a reason lets the client show why; 4403 is graphql-ws's "Forbidden". An
          // unreachable database is no refusal: 1013 "try again later" makes clients reconnect.
          const code = c.details?.retryable ? TRY_AGAIN_LATER : CloseCode.Forbidden;
          ctx.extra.socket.close(code, `${c.code}: ${c.message}`.slice(0, 120));
          return false;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const { document, errors } = documents.get(payload.query);
        if (!document) return errors;
        try {
          enforceLimits(core.config.limits, document, payload.operationName, payload.variables);
        } catch (error) {
          return [error as GraphQLError];
        }
        const caller = callers.get(ctx.extra.socket);
        if (!caller) return [new GraphQLError('not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })];
        const contextValue = createContext(core, caller, crypto.randomUUID());
        sendDirectly(contextValue, directSender(ctx.extra.socket, id));
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => format(error, error)),
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors?.length) return;
        for (const error of result.errors) {
          if (classifyError(error).internal) core.log.error({ err: error.originalError ?? error }, 'internal error in a subscription');
        }
        const requestId = (args.contextValue as { requestId?: string } | undefined)?.requestId;
        const formatRequest = formatError(() => requestId);
        return { ...result, errors: result.errors.map((error) => formatRequest(error, error)) };
      },
    },
    wsServer,
    core.log,
  );

  return {
    async close() {
      // 1001 "going away": clients reconnect (to another replica, or to this one restarted).
      for (const socket of wsServer.clients) socket.close(1001, 'gateway shutting down');
      await server.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

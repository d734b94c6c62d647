// The gateway process: Express + Apollo Server for HTTP and graphql-ws for WebSocket, on one port
// and one path. Holds no state a second replica would need.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { authenticate } from '../entities/auth/authenticate';
import type { Core } from '../entities/core';
import { DomainError, ResourceNotFound } from '../entities/errors';
import { createContext, GatewayContext } from './context';
import { parseAuthorization } from './credentials';
import { classifyError, formatError, noteRequestId, requestIdOf, transportError } from './errors';
import { mountHealth } from './health';
import { answerClientError, bodyErrors, refuseSubscriptions } from './http-refusals';
import { hookRoutes } from './hooks/http';
import { indexRoutes } from './index/http';
import { enforceLimits, MAX_TOKENS } from './limits';
import { artifactRoutes, sendError } from './queue/artifact-http';
import { liveLogRoutes } from './queue/logs';
import { buildGatewaySchema } from './schema';
import { closeSocketsOnEventGap } from './event-gaps';
import { attachWebSocket } from './websocket';
import { guardClientMistakes } from './websocket-guards';

export const GRAPHQL_PATH = '/graphql';

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly schema: GraphQLSchema;
  /** Stops accepting, lets in-flight requests finish, closes sockets. Does not close the core. */
  close(): Promise<void>;
}

export async function startGateway(core: Core, options: { port?: number; host?: string } = {}): Promise<Gateway> {
  const schema = await buildGatewaySchema();
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  httpServer.on('clientError', answerClientError);

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    csrfPrevention: true,
    // The process stops Apollo itself on SIGTERM (entities/process.ts); Apollo's own handler
    // would race it and hang the shutdown.
    stopOnTerminationSignals: false,
    introspection: true,
    parseOptions: { maxTokens: MAX_TOKENS },
    formatError: formatError(requestIdOf),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP cache hints are given: Apollo's cache-control plugin would only add a hook to
      // every field resolved (~2 % of the gateway's CPU on a 500-task createTaskGraph).
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(core),
      logErrorsPlugin(),
    ],
  });
  await apollo.start();

  app.use((req, res, next) => {
    const given = req.header('x-request-id');
    const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : crypto.randomUUID();
    res.setHeader('x-request-id', requestId);
    res.locals.requestId = requestId;
    next();
  });
  // GraphQL first: the hot path skips the routers of the other paths.
  app.use(GRAPHQL_PATH, express.json({ limit: core.config.limits.maxBodyBytes }), bodyErrors, refuseSubscriptions);
  app.use(
    GRAPHQL_PATH,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = String(res.locals.requestId);
        try {
          const { credentials, authorizedScopes } = parseAuthorization(req.headers.authorization, req.headers['x-authorized-scopes']);
          const caller = await authenticate(core, { credentials, authorizedScopes });
          // Long polls (claimWork) stop waiting when the client goes away; the controller is made
          // only for a request that asks for the signal.
          let gone: AbortController | undefined;
          // A close after the answer was sent is the normal end: no abort (whose DOMException
          // and stack trace cost ~70 µs a claim) for a client that stayed.
          let away = false;
          res.once('close', () => {
            away = !res.writableFinished;
            if (away) gone?.abort();
          });
          const signal = () => {
            gone ??= new AbortController();
            if (away) gone.abort();
            return gone.signal;
          };
          return createContext(core, caller, requestId, signal);
        } catch (error) {
          // Apollo runs no plugin hook for a failed context, so what the limits and logging
          // plugins do for other errors is done here.
          if (error instanceof DomainError) throw transportError(error.code, error.message, error.details, error.code === 'UNAUTHENTICATED' ? 401 : 400);
          const c = classifyError(error);
          if (c.details?.retryable) {
            core.log.warn({ err: error, requestId }, c.message);
            throw transportError(c.code, c.message, c.details, 503, error);
          }
          core.log.error({ err: error, requestId }, 'internal error while authenticating');
          noteRequestId(error, requestId);
          throw error;
        }
      },
    }),
  );
  mountHealth(app, core);
  app.use(liveLogRoutes(core));
  app.use(artifactRoutes(core), indexRoutes(core));
  app.use(hookRoutes(core));
  // The API's JSON error shape, not Express's HTML page (which shows a stack trace outside production).
  app.use((req: express.Request, res: express.Response) => {
    sendError(core, req, res, new ResourceNotFound(`no such path: ${req.method} ${req.path} (the GraphQL API is at ${GRAPHQL_PATH})`));
  });
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => sendError(core, req, res, error));

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port ?? core.config.gatewayPort, options.host ?? '0.0.0.0', () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await apollo.stop();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;

  // Attached once listening: a WebSocketServer re-emits the HTTP server's errors, and graphql-ws
  // prints a listen failure (EADDRINUSE) as an "internal error" with a stack trace.
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: core.config.limits.maxBodyBytes });
  const ws = attachWebSocket(core, schema, wsServer);
  wsServer.on('connection', (socket) => guardClientMistakes(socket, core.log));
  const offGap = closeSocketsOnEventGap(core, wsServer);

  return {
    url: `http://127.0.0.1:${port}${GRAPHQL_PATH}`,
    port,
    schema,
    async close() {
      offGap();
      await ws.close();
      // Drains in-flight HTTP requests (the drain plugin), then closes the listener.
      await apollo.stop();
    },
  };
}

function limitsPlugin(core: Core): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, contextValue }) {
          const measure = enforceLimits(core.config.limits, document, request.operationName, request.variables);
          contextValue.cost = { requested: measure.cost, limit: core.config.limits.maxCost };
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const extensions = (response.body.singleResult.extensions ??= {});
          if (contextValue?.cost) extensions.cost = contextValue.cost;
          if (contextValue?.requestId) extensions.requestId = contextValue.requestId;
        },
      };
    },
  };
}

function logErrorsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (contextValue?.requestId) noteRequestId(error, contextValue.requestId);
            const c = classifyError(error);
            if (c.internal) contextValue?.log?.error({ err: error.originalError ?? error }, 'internal error');
            else if (c.details?.retryable) contextValue?.log?.warn({ err: error.originalError ?? error }, c.message);
          }
        },
      };
    },
  };
}

// The gateway process: Express + Apollo Server for HTTP and graphql-ws for WebSocket, on one port
// and one path. Holds no state a second replica would need.
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { type WebSocket, WebSocketServer } from 'ws';
import { authenticate } from '../entities/auth/authenticate';
import type { Core } from '../entities/core';
import { DomainError } from '../entities/errors';
import { createContext, GatewayContext } from './context';
import { parseAuthorization } from './credentials';
import { classifyError, formatError, transportError } from './errors';
import { mountHealth } from './health';
import { hookRoutes } from './hooks/http';
import { indexRoutes } from './index/http';
import { enforceLimits, MAX_TOKENS } from './limits';
import { artifactRoutes } from './queue/artifact-http';
import { liveLogRoutes } from './queue/logs';
import { buildGatewaySchema } from './schema';
import { closeSocketsOnEventGap } from './event-gaps';
import { attachWebSocket } from './websocket';

export const GRAPHQL_PATH = '/graphql';

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly schema: GraphQLSchema;
  /** Stops accepting, lets in-flight requests finish, closes sockets. Does not close the core. */
  close(): Promise<void>;
}

const requestStore = new AsyncLocalStorage<{ requestId: string }>();

export async function startGateway(core: Core, options: { port?: number; host?: string } = {}): Promise<Gateway> {
  const schema = await buildGatewaySchema();
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  httpServer.on('clientError', answerClientError);

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    csrfPrevention: true,
    introspection: true,
    parseOptions: { maxTokens: MAX_TOKENS },
    formatError: formatError(() => requestStore.getStore()?.requestId),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      subscriptionsOverWebSocketPlugin(),
      limitsPlugin(core),
      logErrorsPlugin(),
    ],
  });
  await apollo.start();

  app.use((req, res, next) => {
    const given = req.header('x-request-id');
    const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : crypto.randomUUID();
    res.setHeader('x-request-id', requestId);
    requestStore.run({ requestId }, next);
  });
  mountHealth(app, core);
  app.use(liveLogRoutes(core));
  app.use(artifactRoutes(core), indexRoutes(core));
  app.use(hookRoutes(core));
  app.use(GRAPHQL_PATH, express.json({ limit: core.config.limits.maxBodyBytes }), bodyErrors);
  app.use(
    GRAPHQL_PATH,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = requestStore.getStore()?.requestId ?? crypto.randomUUID();
        try {
          const { credentials, authorizedScopes } = parseAuthorization(req.headers.authorization, req.headers['x-authorized-scopes']);
          const caller = await authenticate(core, { credentials, authorizedScopes });
          // Long polls (claimWork) stop waiting when the client goes away.
          const gone = new AbortController();
          res.once('close', () => gone.abort());
          return createContext(core, caller, requestId, gone.signal);
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
          throw error;
        }
      },
    }),
  );

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
  wsServer.on('connection', (socket) => clientProtocolErrors(core, socket));
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

/** What body-parser's error types mean to the client, and the HTTP status each gets. */
const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.too.large': { status: 413, message: 'the request body is larger than the limit' },
  'charset.unsupported': { status: 415, message: 'the request body must be UTF-8 JSON; this charset is not supported' },
  'encoding.unsupported': { status: 415, message: 'the request body’s Content-Encoding is not supported (use gzip, deflate, br or none)' },
};

/** Malformed or oversized bodies get the same error shape as every other error. */
function bodyErrors(error: { type?: string; message?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) {
  if (!error) return next();
  const known = BODY_ERRORS[error.type ?? ''];
  const message = known?.message ?? (error.type === 'entity.parse.failed' ? 'the request body is not valid JSON: ' : 'the request body cannot be read: ') + (error.message ?? '');
  res.status(known?.status ?? 400).json({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
}

/**
 * Requests Node's HTTP parser refuses (broken framing, headers over its 16 KB limit) never reach
 * Express; Node would answer them with an empty 400 or 431. Answer with the usual JSON error.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431 ? 'the request headers are larger than the limit' : status === 408 ? 'the request took too long to arrive' : `the request is not valid HTTP (${error.code ?? 'unreadable'})`;
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * A frame over maxPayload, invalid UTF-8 or a broken frame is the client's error: ws has already
 * closed the socket with the code that says so (1009, 1007, 1002). graphql-ws (whose connection
 * listener ran first) would print it to stderr with a stack trace as an internal error of ours and
 * try to close with 4500; log it as what it is instead.
 */
function clientProtocolErrors(core: Core, socket: WebSocket): void {
  socket.removeAllListeners('error');
  socket.on('error', (error: Error & { code?: string }) => core.log.info({ code: error.code, reason: error.message }, 'a WebSocket client broke the protocol'));
}

/**
 * Subscriptions run over graphql-ws at the same URL. Over HTTP, Apollo would execute one as a
 * query, and its field (which has no resolver for that) would fail as an internal error.
 */
function subscriptionsOverWebSocketPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw transportError('BAD_USER_INPUT', 'subscriptions run over WebSocket (graphql-transport-ws) at this same URL, not over HTTP', undefined, 400);
        },
      };
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
            const c = classifyError(error);
            if (c.internal) contextValue?.log?.error({ err: error.originalError ?? error }, 'internal error');
            else if (c.details?.retryable) contextValue?.log?.warn({ err: error.originalError ?? error }, c.message);
          }
        },
      };
    },
  };
}

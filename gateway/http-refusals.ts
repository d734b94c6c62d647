// Refusals answered before Apollo runs, in the same JSON error shape as every other error:
// bodies Express cannot read, requests Node's HTTP parser refuses, subscriptions sent over HTTP.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type express from 'express';
import { Kind, parse } from 'graphql';
import { MAX_TOKENS } from './limits';

function errorBody(message: string) {
  return { errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] };
}

/** What body-parser's error types mean to the client, and the HTTP status each gets. */
const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.too.large': { status: 413, message: 'the request body is larger than the limit' },
  'charset.unsupported': { status: 415, message: 'the request body must be UTF-8 JSON; this charset is not supported' },
  'encoding.unsupported': { status: 415, message: 'the request body’s Content-Encoding is not supported (use gzip, deflate, br or none)' },
};

/** Malformed or oversized bodies (an Express error handler after express.json). */
export function bodyErrors(error: { type?: string; message?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) {
  if (!error) return next();
  const known = BODY_ERRORS[error.type ?? ''];
  const message = known?.message ?? (error.type === 'entity.parse.failed' ? 'the request body is not valid JSON: ' : 'the request body cannot be read: ') + (error.message ?? '');
  res.status(known?.status ?? 400).json(errorBody(message));
}

/**
 * Requests Node's HTTP parser refuses (broken framing, headers over its 16 KB limit) never reach
 * Express; Node would answer them with an empty 400 or 431 (the server's `clientError` listener).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431 ? 'the request headers are larger than the limit' : status === 408 ? 'the request took too long to arrive' : `the request is not valid HTTP (${error.code ?? 'unreadable'})`;
  const body = JSON.stringify(errorBody(message));
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Subscriptions run over graphql-ws at the same URL. Over HTTP, Apollo would execute one as a
 * query (its field has no resolver for that: an internal error), and graphql-js's validation
 * throws, rather than reports, a subscription's bad @skip/@include argument (a 500 from Apollo).
 * Only a text holding the keyword — which every subscription must — is parsed here.
 */
export function refuseSubscriptions(req: express.Request, res: express.Response, next: express.NextFunction) {
  const query: unknown = req.method === 'GET' ? req.query.query : req.body?.query;
  if (typeof query !== 'string' || !query.includes('subscription')) return next();
  let document;
  try {
    document = parse(query, { maxTokens: MAX_TOKENS });
  } catch {
    return next(); // Apollo reports the syntax error.
  }
  if (!document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription')) return next();
  res.status(400).json(errorBody('subscriptions run over WebSocket (graphql-transport-ws) at this same URL, not over HTTP'));
}

// graphql-ws's server on `ws` sockets: what graphql-ws's own `useServer` does, made lean for
// thousands of long-lived subscribers (bench/log-fanout). useServer keeps, for every socket, the
// HTTP upgrade request, a keep-alive interval, a timeout and a listener per ping, and sends each
// message through a new Promise and a write callback. Here the request is not kept, one timer
// pings every socket, and a message waits for its write only when the socket is backed up —
// which is what makes a slow subscriber's stream merge or re-read its lines instead of queueing.
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

export interface SocketExtra {
  readonly socket: WebSocket;
}

/** Past this many bytes queued on a socket, a message waits for its write to finish. */
const HIGH_WATER_BYTES = 64 * 1024;
const KEEP_ALIVE_MS = 12_000;

/**
 * Sends a `next` message for subscription `id` now, byte for byte what graphql-ws sends for a
 * result without errors; false when the socket is closed or backed up (the caller then lets
 * graphql-ws send it, which waits for the write).
 */
export function directSender(socket: WebSocket, id: string): (payloadJson: string) => boolean {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return (payloadJson) => {
    if (socket.readyState !== socket.OPEN || socket.bufferedAmount >= HIGH_WATER_BYTES) return false;
    socket.send(`${head}${payloadJson}}`);
    return true;
  };
}

export function serveGraphqlWs<P extends Record<string, unknown>>(
  options: ServerOptions<P, SocketExtra>,
  wsServer: WebSocketServer,
  log: { error(details: object, message: string): void },
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  wsServer.options.handleProtocols = handleProtocols;
  const internalError = (socket: WebSocket, error: unknown, what: string) => {
    log.error({ err: error }, what);
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };

  wsServer.once('error', (error) => {
    log.error({ err: error }, 'internal error on the WebSocket server');
    for (const socket of wsServer.clients) socket.close(CloseCode.InternalServerError, 'Internal server error');
  });
  wsServer.on('connection', (socket) => {
    socket.once('error', (error) => internalError(socket, error, 'internal error on a WebSocket'));
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send(data) {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount < HIGH_WATER_BYTES) return socket.send(data);
          // A write fails only when the connection is gone (EPIPE, ECONNRESET): the client left,
          // no error of ours. The socket's close ends its subscriptions.
          return new Promise<void>((resolve) =>
            socket.send(data, (error) => {
              if (error) socket.terminate();
              resolve();
            }),
          );
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage(handle) {
          socket.on('message', (data) => {
            handle(String(data)).catch((error) => internalError(socket, error, 'internal error while handling a WebSocket message'));
          });
        },
      },
      { socket },
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
    socket.on('pong', answered);
  });

  // One sweep for every socket: one that has not answered the last ping by the next is gone.
  const waiting = new WeakSet<WebSocket>();
  const keepAlive = setInterval(() => {
    for (const socket of wsServer.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (waiting.has(socket)) {
        socket.terminate();
        continue;
      }
      waiting.add(socket);
      socket.ping();
    }
  }, KEEP_ALIVE_MS);
  keepAlive.unref();
  function answered(this: WebSocket) {
    waiting.delete(this);
  }

  return {
    async dispose() {
      clearInterval(keepAlive);
      for (const socket of wsServer.clients) socket.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

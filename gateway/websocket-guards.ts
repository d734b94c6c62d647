// Client mistakes on a WebSocket that the graphql-ws transport would treat as internal errors
// of ours (close 4500, an error log with a stack trace). Installed by a `connection` listener
// added after the transport's, so these replace or wrap what the transport attached.
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../entities/log';

/** graphql-transport-ws's close code for a message the protocol does not allow. */
const BAD_REQUEST = 4400;
/** Message types only a server sends; graphql-ws throws on one from a client. */
const SERVER_ONLY = new Set(['connection_ack', 'next', 'error']);

export function guardClientMistakes(socket: WebSocket, log: Logger): void {
  // A frame over maxPayload, invalid UTF-8 or a broken frame: ws has already closed the socket
  // with the code that says so (1009, 1007, 1002).
  socket.removeAllListeners('error');
  socket.on('error', (error: Error & { code?: string }) => log.info({ code: error.code, reason: error.message }, 'a WebSocket client broke the protocol'));

  const handlers = socket.listeners('message') as ((data: RawData, isBinary: boolean) => void)[];
  socket.removeAllListeners('message');
  socket.on('message', (data, isBinary) => {
    const type = serverOnlyType(data);
    if (type) return socket.close(BAD_REQUEST, `Invalid message received: a client may not send ${type}`);
    for (const handler of handlers) handler.call(socket, data, isBinary);
  });
}

function serverOnlyType(data: RawData): string | undefined {
  // Client messages are small (init, subscribe, complete, ping), so reading one twice is cheap.
  try {
    const type = JSON.parse(String(data))?.type;
    return SERVER_ONLY.has(type) ? type : undefined;
  } catch {
    return undefined; // graphql-ws closes with 4400 itself.
  }
}

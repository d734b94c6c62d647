// Sends the fuzz test's cases: raw bytes over TCP for HTTP, a plain `ws` socket for graphql-ws.
// Each returns what came back, or says that nothing did within the time allowed (a hang).
import net from 'node:net';
import WebSocket from 'ws';
import type { HttpCase, WsCase } from './fuzz-requests';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends the bytes and reads one response: complete once its Content-Length (or last chunk) is
 * in, or when the server closes. The connection is kept alive rather than closed by the server
 * after answering: a server that closes with a request body still unread makes the kernel reset
 * the connection, which can discard the answer before the client reads it (413 on a 9 MB body).
 */
export function sendHttp(port: number, c: HttpCase, ms: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error?: Error, answer?: HttpAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${ms} ms`)), ms);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const answer = completeResponse(Buffer.concat(chunks));
      if (answer) finish(undefined, answer);
    });
    // The server may answer and close before reading everything: not an error.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      try {
        finish(undefined, parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.write(c.bytes);
  });
}

/** The response if all of it has arrived, else undefined. */
function completeResponse(raw: Buffer): HttpAnswer | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const answer = parseResponse(raw);
  const length = answer.headers['content-length'];
  if (length !== undefined) return raw.length - end - 4 >= Number(length) ? answer : undefined;
  if (/chunked/i.test(answer.headers['transfer-encoding'] ?? '')) return raw.subarray(end).includes('\r\n0\r\n\r\n') ? answer : undefined;
  return undefined;
}

function parseResponse(raw: Buffer): HttpAnswer {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP response (got ${raw.length} bytes: ${JSON.stringify(raw.toString('latin1').slice(0, 200))})`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8') };
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export interface WsAnswer {
  /** The close code and reason if the server closed the socket. */
  closed?: { code: number; reason: string };
  /** Every message the server sent, parsed. */
  messages: { type?: string; id?: string; payload?: any }[];
  /** The server accepted none of the subprotocols offered (the client then gives up). */
  noSubprotocol?: boolean;
  /** Text the server sent that was not JSON (it must not send any). */
  unparsable: string[];
}

/**
 * Opens a socket, sends the frames (after the connection_ack if the case says so), then a ping: the session is over when the server closed the
 * socket, or once the pong came back and then nothing more for `idleMs` (results of operations
 * may follow the pong).
 */
export function sendWs(url: string, c: WsCase, ms: number, idleMs = 30): Promise<WsAnswer> {
  return new Promise((resolve, reject) => {
    const answer: WsAnswer = { messages: [], unparsable: [] };
    const socket = new WebSocket(url, c.protocols);
    let finished = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(idle);
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.terminate();
      if (error) reject(error);
      else resolve(answer);
    };
    const timer = setTimeout(() => finish(new Error(`no pong and no close within ${ms} ms`)), ms);
    socket.on('error', (error) => {
      // The upgrade succeeded without a subprotocol (the server accepts none of those offered);
      // the client gives up, as graphql-ws clients do. That is a refusal, not a failure.
      if (/no subprotocol|invalid subprotocol/i.test(error.message)) {
        answer.noSubprotocol = true;
        finish();
      }
    });
    socket.on('unexpected-response', (_req, res) => finish(new Error(`the upgrade was answered with HTTP ${res.statusCode}`)));
    socket.on('close', (code, reason) => {
      answer.closed = { code, reason: reason.toString() };
      finish();
    });
    socket.on('message', (data) => {
      const text = String(data);
      let message;
      try {
        message = JSON.parse(text);
      } catch {
        answer.unparsable.push(text.slice(0, 200));
        return;
      }
      answer.messages.push(message);
      if (message?.type === 'connection_ack' && c.awaitAck) sendRest();
      if (idle || (message?.type === 'pong' && message?.payload?.fuzz === 'end')) {
        clearTimeout(idle);
        idle = setTimeout(() => finish(), idleMs);
      }
    });
    let sent = c.awaitAck ? 1 : 0;
    const sendRest = () => {
      for (const frame of c.frames.slice(sent)) socket.send(frame, { binary: Buffer.isBuffer(frame) });
      sent = c.frames.length;
      socket.send(JSON.stringify({ type: 'ping', payload: { fuzz: 'end' } }));
    };
    socket.on('open', () => {
      if (c.awaitAck) socket.send(c.frames[0]);
      else sendRest();
    });
  });
}

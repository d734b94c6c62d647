// `npm run portal`: serves the built portal on PORTAL_PORT (default 3000) and forwards the
// gateway's paths — /graphql over HTTP and WebSocket, artifact and index downloads — to
// GATEWAY_URL (default http://localhost:4000/graphql). The browser sees one origin, so the
// gateway needs no CORS, and credentials go nowhere but through this pass-through to the gateway.
// `npm run portal -- --dev` runs Next's development server instead (hot reload).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import next from 'next';
import { ensurePortalBuild, stopBuilds } from './build';
import { GATEWAY_PATHS, isGatewayPath } from './lib/gateway-paths';

export interface PortalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface PortalOptions {
  port: number;
  host?: string;
  /** The gateway's GraphQL URL, e.g. http://localhost:4000/graphql. */
  gatewayUrl: string;
  dev?: boolean;
}

export async function startPortal(options: PortalOptions): Promise<PortalServer> {
  const dir = __dirname;
  const app = next({ dev: options.dev ?? false, dir, hostname: options.host ?? 'localhost', port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const nextUpgrade = options.dev ? app.getUpgradeHandler() : undefined;
  const gateway = new URL(options.gatewayUrl);
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    if (isGatewayPath(req.url ?? '/')) return forward(gateway, req, res);
    void handle(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket: Socket, head) => {
    if (isGatewayPath(req.url ?? '/')) return forwardUpgrade(gateway, req, socket, head, sockets);
    if (nextUpgrade) return void nextUpgrade(req, socket, head);
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await app.close();
    },
  };
}

/** The gateway URL a path goes to: /graphql goes to GATEWAY_URL itself, the rest keep their path. */
function target(gateway: URL, url: string): URL {
  const incoming = new URL(url, 'http://portal');
  const out = new URL(gateway.toString());
  out.pathname = incoming.pathname === GATEWAY_PATHS.graphql ? gateway.pathname : incoming.pathname;
  out.search = incoming.search;
  return out;
}

function forwardHeaders(req: http.IncomingMessage, to: URL): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: to.host };
  const forwardedFor = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = [forwardedFor, req.socket.remoteAddress].filter(Boolean).join(', ');
  headers['x-forwarded-host'] = req.headers.host;
  headers['x-forwarded-proto'] = 'http';
  // Same origin from the gateway's point of view: the browser's Origin is the portal's.
  delete headers.origin;
  return headers;
}

function forward(gateway: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
  const to = target(gateway, req.url ?? '/');
  const upstream = http.request(to, { method: req.method, headers: forwardHeaders(req, to) }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        errors: [{ message: `The portal cannot reach the gateway at ${gateway.origin}.`, extensions: { code: 'GATEWAY_UNREACHABLE' } }],
      }),
    );
  });
  // A closed browser tab stops the gateway's work too (long polls, big downloads).
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

function forwardUpgrade(gateway: URL, req: http.IncomingMessage, socket: Socket, head: Buffer, sockets: Set<Socket>): void {
  const to = target(gateway, req.url ?? '/');
  const upstream = http.request(to, { method: req.method, headers: forwardHeaders(req, to) });
  upstream.on('upgrade', (answer, upstreamSocket: Socket, upstreamHead) => {
    sockets.add(upstreamSocket);
    upstreamSocket.once('close', () => sockets.delete(upstreamSocket));
    const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
    for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (upstreamHead.length) socket.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    const end = () => {
      upstreamSocket.destroy();
      socket.destroy();
    };
    upstreamSocket.on('error', end).on('close', end);
    socket.on('error', end).on('close', end);
  });
  upstream.on('response', (answer) => {
    // The gateway refused the upgrade: pass its answer on and close.
    socket.end(`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}\r\nconnection: close\r\n\r\n`);
    answer.resume();
  });
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  upstream.end();
}

/** Reads PORTAL_PORT and GATEWAY_URL; the portal is a separate program and reads its own environment. */
function readEnv(env: NodeJS.ProcessEnv): { port: number; gatewayUrl: string } {
  const problems: string[] = [];
  const port = Number(env.PORTAL_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORTAL_PORT must be a port number (got ${env.PORTAL_PORT})`);
  const gatewayUrl = env.GATEWAY_URL || 'http://localhost:4000/graphql';
  try {
    const url = new URL(gatewayUrl);
    if (url.protocol !== 'http:') problems.push(`GATEWAY_URL must be an http:// URL (got ${gatewayUrl})`);
  } catch {
    problems.push(`GATEWAY_URL must be a URL such as http://localhost:4000/graphql (got ${gatewayUrl})`);
  }
  if (problems.length) {
    console.error(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  return { port, gatewayUrl };
}

async function main(): Promise<void> {
  const { port, gatewayUrl } = readEnv(process.env);
  const dev = process.argv.includes('--dev');
  let portal: PortalServer | undefined = undefined;
  // Ctrl-C or SIGTERM at any time, during the first build too, stops everything this started.
  const stop = () => {
    stopBuilds();
    if (!portal) process.exit(0);
    void portal.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!dev) await ensurePortalBuild({ distDir: process.env.PORTAL_DIST_DIR || undefined, log: (line) => console.log(line) });
  portal = await startPortal({ port, gatewayUrl, dev });
  console.log(`Portal: ${portal.url} (gateway: ${gatewayUrl})`);
}

if (require.main === module || process.argv[1] === path.join(__dirname, 'server.ts')) {
  main().catch((error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}

// Leaks fail the suite: after a file has closed its gateways, clients and proxies, no TCP socket
// or listener of this process may be left open. (Each test file runs in its own process.)
import { expect } from 'vitest';

const TCP_HANDLES = new Set(['TCPWrap', 'TCPSocketWrap', 'TCPServerWrap']);

function openTcpHandles(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => TCP_HANDLES.has(kind));
}

/** Waits a little for closes already under way, then fails if any TCP handle is still open. */
export async function expectNoOpenSockets(ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (openTcpHandles().length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(openTcpHandles(), 'TCP sockets or listeners left open').toEqual([]);
}

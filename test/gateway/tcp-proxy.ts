// A TCP proxy between a gateway and its database, to take the database away and bring it back
// without touching the real server (others' tests use it).
import net from 'node:net';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private frozen = false;
  private readonly held: (() => void)[] = [];

  private constructor(
    private readonly target: { host: string; port: number },
    public port = 0,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.restore();
    return proxy;
  }

  /** Accepts connections again, on the same port, and forwards them to the target. */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Drops every open connection and stops listening: new connections are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Keeps every connection open but forwards nothing, and lets new connections hang: a server
   * that stops answering (a network partition) rather than one that refuses.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** Forwards again, delivering what was held back. */
  thaw(): void {
    this.frozen = false;
    for (const release of this.held.splice(0)) release();
  }

  close(): Promise<void> {
    this.thaw();
    return this.cut();
  }

  private relay(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk) => {
      if (!this.frozen) return void to.write(chunk);
      this.held.push(() => to.write(chunk));
    });
  }

  private forward(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    this.relay(client, upstream);
    this.relay(upstream, client);
  }
}

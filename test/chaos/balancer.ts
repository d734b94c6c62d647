// A round-robin TCP balancer in front of the gateways, as a load balancer would be: each new
// connection goes to the next gateway that accepts it, so clients keep working while one
// gateway is down and reconnect to the other.
import net from 'node:net';

export class Balancer {
  private next = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly targets: () => number[],
  ) {}

  static async start(targets: () => number[]): Promise<Balancer> {
    const server = net.createServer();
    const balancer = new Balancer(server, targets);
    server.on('connection', (client) => balancer.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: net.Socket): void {
    this.track(client);
    client.pause();
    const ports = this.targets();
    const attempt = (tries: number): void => {
      if (client.destroyed) return;
      if (tries >= ports.length) return void client.destroy();
      const port = ports[this.next++ % ports.length];
      const upstream = net.connect(port, '127.0.0.1');
      let connected = false;
      upstream.once('error', () => {
        if (!connected) attempt(tries + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        this.track(upstream);
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }
}

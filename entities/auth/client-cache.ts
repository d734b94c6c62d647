// Client rows for authentication, kept a few seconds so a request does not read its client from
// the database each time (it did: one SELECT per request, the most frequent statement of a
// claiming worker after its claims). A change to a client drops it at once on the process that
// made it and, through CLIENTS_CHANGED on the event bus, on every other; should an event be
// lost, an entry lives at most `ttlMs` (AUTH_CACHE_SECONDS, 5 s by default), and after a gap in
// the bus every entry goes. Nothing is kept until a probe sent on CLIENTS_CHANGED has come back:
// a Redis subscription made at start lands a moment later, and a change published before then
// would be missed.
import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { EventBus } from '../events';
import { Client } from './Client';

export const CLIENTS_CHANGED = 'auth.clients-changed';
const MAX_ENTRIES = 10_000;
const PROBE_EVERY_MS = 1000;

export interface ClientChange {
  clientId: string;
}

export class ClientCache {
  private readonly entries = new Map<string, { client: Client; loadedAt: number }>();
  /** Bumped by every forget: a load that began before one must not store what it read. */
  private epoch = 0;
  private unsubscribe: (() => Promise<void>) | undefined;
  private offGap: (() => void) | undefined;
  /** True once this process hears CLIENTS_CHANGED: until then it keeps nothing. */
  private listening = false;
  private readonly probe = `probe:${crypto.randomUUID()}`;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly events: EventBus,
    private readonly ttlMs: number,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.events.subscribe(CLIENTS_CHANGED, (payload) => {
      const { clientId } = payload as ClientChange;
      if (clientId === this.probe) this.listening = true;
      else this.forget(clientId);
    });
    this.offGap = this.events.onGap(() => this.forgetAll());
    if (this.ttlMs > 0) this.sendProbe();
  }

  async stop(): Promise<void> {
    clearTimeout(this.probeTimer);
    this.offGap?.();
    await this.unsubscribe?.();
  }

  /** Whether rows are kept yet (the probe came back). */
  get keeping(): boolean {
    return this.listening;
  }

  private sendProbe(): void {
    if (this.listening) return;
    const probe: ClientChange = { clientId: this.probe };
    void this.events.publish(CLIENTS_CHANGED, probe).catch(() => undefined);
    this.probeTimer = setTimeout(() => this.sendProbe(), PROBE_EVERY_MS).unref();
  }

  /** The client's row as of at most `ttlMs` ago, or null when there is none (misses are not kept). */
  async get(clientId: string): Promise<Client | null> {
    const hit = this.entries.get(clientId);
    if (hit && Date.now() - hit.loadedAt < this.ttlMs) return hit.client;
    const epoch = this.epoch;
    const loadedAt = Date.now();
    const client = await this.db.getRepository(Client).findOneBy({ clientId });
    if (client && epoch === this.epoch && this.listening) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.delete(clientId); // re-inserted last: the oldest entries go first
      this.entries.set(clientId, { client, loadedAt });
    }
    return client;
  }

  forget(clientId: string): void {
    this.epoch += 1;
    this.entries.delete(clientId);
  }

  forgetAll(): void {
    this.epoch += 1;
    this.entries.clear();
  }

  /** After a change to a client has committed: forgets it here at once, and on the other processes. */
  async changed(clientId: string, onPublishError: (error: unknown) => void): Promise<void> {
    this.forget(clientId);
    const change: ClientChange = { clientId };
    await this.events.publish(CLIENTS_CHANGED, change).catch(onPublishError);
  }
}

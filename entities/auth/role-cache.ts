// The current RoleResolver of this process. Rebuilt when roles change: at once on this process,
// through the event bus on the others, and — should an event be lost — within REFRESH_MS, since
// every role change bumps a generation counter in the database.
import type { DataSource } from 'typeorm';
import type { EventBus } from '../events';
import { RoleResolver } from './role-resolver';

export const ROLES_CHANGED = 'auth.roles-changed';
const REFRESH_MS = 5_000;

export class RoleCache {
  private current: { resolver: RoleResolver; generation: number } | undefined;
  private loading: Promise<RoleResolver> | undefined;
  private checkedAt = 0;
  private unsubscribe: (() => Promise<void>) | undefined;
  private offGap: (() => void) | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly events: EventBus,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.events.subscribe(ROLES_CHANGED, () => this.invalidate());
    this.offGap = this.events.onGap(() => this.invalidate());
  }

  async stop(): Promise<void> {
    this.offGap?.();
    await this.unsubscribe?.();
  }

  invalidate(): void {
    this.current = undefined;
  }

  async resolver(): Promise<RoleResolver> {
    const now = Date.now();
    if (this.current && now - this.checkedAt > REFRESH_MS) {
      this.checkedAt = now;
      if ((await this.generation()) !== this.current.generation) this.invalidate();
    }
    if (this.current) return this.current.resolver;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<RoleResolver> {
    const generation = await this.generation();
    const rows: { role_id: string; scopes: string | string[] }[] = await this.db.query('SELECT role_id, scopes FROM roles');
    const resolver = new RoleResolver(
      rows.map((row) => ({ roleId: row.role_id, scopes: typeof row.scopes === 'string' ? JSON.parse(row.scopes) : row.scopes })),
    );
    this.current = { resolver, generation };
    this.checkedAt = Date.now();
    return resolver;
  }

  private async generation(): Promise<number> {
    const rows: { generation: number }[] = await this.db.query(`SELECT generation FROM auth_state WHERE name = 'roles'`);
    return Number(rows[0]?.generation ?? 0);
  }
}

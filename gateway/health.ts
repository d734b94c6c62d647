// /healthz: the process answers. /readyz: the database answers too (load balancers route on it).
// /metrics: Prometheus metrics of this process.
import type express from 'express';
import client from 'prom-client';
import type { Core } from '../entities/core';

const READY_TIMEOUT_MS = 2000;
const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export function mountHealth(app: express.Express, core: Core): void {
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(core.db.query('SELECT 1'), READY_TIMEOUT_MS);
      res.json({ ok: true, database: 'reachable' });
    } catch {
      res.status(503).json({ ok: false, database: 'unreachable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

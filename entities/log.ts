import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs; each line carries the ids that matter (requestId, clientId, taskId, …). */
export function createLogger(level: pino.LevelWithSilent, name: string): Logger {
  return pino({ level, name, base: { pid: process.pid } });
}

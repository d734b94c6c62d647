import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs; each line carries the ids that matter (requestId, clientId, taskId, …).
 * Written synchronously to stdout: pino's asynchronous writer flushes its queue when the process
 * exits and, into a broken pipe (the process reading our output died), retries that flush for
 * ever, so the process never exits. A synchronous write fails at once and pino stops writing.
 * The processes log per event (a start, a fault, a worker launched), not per request.
 */
export function createLogger(level: pino.LevelWithSilent, name: string): Logger {
  return pino({ level, name, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}

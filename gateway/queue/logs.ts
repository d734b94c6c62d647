// Live logs: the worker appends lines (appendTaskLog), anyone with the log's read scope follows
// them (taskLog), and `GET /artifacts/<taskId>/<runId>/public/logs/live.log` answers with the
// lines so far until the worker uploads the whole log as that artifact.
import express from 'express';
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import type { Core } from '../../entities/core';
import { appendTaskLog } from '../../entities/queue/logs/append';
import { openStoredLog } from '../../entities/queue/logs/download';
import { LIVE_LOG_CONTENT_TYPE, LIVE_LOG_NAME, type LogLinesView } from '../../entities/queue/logs/rules';
import { openTaskLog } from '../../entities/queue/logs/stream';
import type { GatewayContext } from '../context';
import { commandContext, sendError } from './artifact-http';

const TASK_ARG = { description: 'The task’s slugid.' };
const RUN_ARG = { description: 'The run’s number.' };

@ObjectType('LogLines', { description: 'Consecutive lines of a run’s log.' })
export class LogLinesType {
  @Field(() => Int, { description: 'The number of the first line (lines are numbered from 0); the next message starts at fromLine + the number of lines.' })
  fromLine!: number;

  @Field(() => [String], { description: 'The lines, without their newline; secret values the task read through its proxy are masked as `[secret]`.' })
  lines!: string[];
}

@Resolver()
export class TaskLogResolver {
  @Mutation(() => Int, {
    description:
      'Appends lines to a running run’s log and answers the log’s line count. Idempotent by line number: lines the log already has are skipped; a gap is refused (BAD_USER_INPUT with details.lineCount); a resolved run’s log is closed (CONFLICT). Needs `queue:create-artifact:<taskId>/<runId>` (task credentials carry it).',
  })
  appendTaskLog(
    @Ctx() ctx: GatewayContext,
    @Arg('taskId', () => ID, TASK_ARG) taskId: string,
    @Arg('runId', () => Int, RUN_ARG) runId: number,
    @Arg('fromLine', () => Int, { description: 'The number of the first line sent: the line count the previous append answered.' }) fromLine: number,
    @Arg('lines', () => [String], { description: 'The lines, without newlines (at most 10,000 and 1,000,000 characters).' }) lines: string[],
  ) {
    return appendTaskLog(ctx, { taskId, runId, fromLine, lines });
  }

  @Subscription(() => LogLinesType, {
    description:
      'A run’s log: the lines stored from fromLine, then each line as the worker sends it, in order, with no gap and no duplicate; completes once the run is resolved and every line was sent. To resume, subscribe again with fromLine = the last fromLine + its number of lines. Needs `queue:get-artifact:public/logs/live.log` (anonymous holds it).',
    subscribe: ({ args, context }) => openTaskLog(context as GatewayContext, { taskId: args.taskId, runId: args.runId, fromLine: args.fromLine }),
  })
  taskLog(
    @Root() lines: LogLinesView,
    @Arg('taskId', () => ID, TASK_ARG) _taskId: string,
    @Arg('runId', () => Int, RUN_ARG) _runId: number,
    @Arg('fromLine', () => Int, { defaultValue: 0, description: 'The first line wanted (from 0).' }) _fromLine: number,
  ): LogLinesView {
    return lines;
  }
}

/** Serves the stored lines under the log artifact's path until the artifact itself exists. */
export function liveLogRoutes(core: Core): express.Router {
  const router = express.Router();
  router.get('/artifacts/:taskId/:run/*name', async (req, res, next) => {
    const name = ([] as string[]).concat(req.params.name as string | string[]).join('/');
    const run = req.params.run as string;
    if (name !== LIVE_LOG_NAME || !/^(\d{1,4}|latest)$/.test(run)) return next();
    try {
      const ctx = await commandContext(core, req);
      const stream = await openStoredLog(ctx, { taskId: req.params.taskId as string, runId: run === 'latest' ? 'latest' : Number(run) });
      if (!stream) return next();
      res.status(200);
      res.setHeader('Content-Type', LIVE_LOG_CONTENT_TYPE);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', 'sandbox');
      // The run is still going: this is the log so far, not the artifact.
      res.setHeader('Cache-Control', 'no-store');
      if (req.method === 'HEAD') {
        stream.destroy();
        return void res.end();
      }
      stream.on('error', (error) => {
        core.log.warn({ err: error }, 'live log download cut short');
        res.destroy();
      });
      stream.pipe(res);
    } catch (error) {
      sendError(core, req, res, error);
    }
  });
  return router;
}

// The payload rules and the worker's configuration, table by table.
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, WorkerConfigError } from '../../workers/config';
import { DEFAULT_MAX_RUN_TIME, parsePayload } from '../../workers/payload';

describe('payload rules', () => {
  it.each([
    ['one command', { command: ['echo', 'hi'] }, [['echo', 'hi']]],
    ['several commands', { command: [['echo', 'a'], ['true']] }, [['echo', 'a'], ['true']]],
  ])('accepts %s', (_what, payload, commands) => {
    const parsed = parsePayload(payload);
    expect(parsed.problems).toEqual([]);
    expect(parsed.payload).toEqual({ commands, env: {}, maxRunTime: DEFAULT_MAX_RUN_TIME, artifacts: [], caches: [] });
  });

  it('accepts every field, caches and mounts alike, and names fields it does not know', () => {
    const parsed = parsePayload({
      command: ['make'],
      env: { A: '1', _B: 'x y' },
      maxRunTime: 600,
      artifacts: [
        { type: 'file', path: 'out/report.json', name: 'public/report.json', expires: '2030-01-01T00:00:00.000Z' },
        { type: 'directory', path: 'dist', name: 'public/dist' },
      ],
      caches: [{ cacheName: 'npm', directory: '.npm' }],
      mounts: [{ cacheName: 'cargo.v1', directory: 'target' }],
      features: { chainOfTrust: true },
    });
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual(['features']);
    expect(parsed.payload!.caches).toEqual([
      { cacheName: 'npm', directory: '.npm' },
      { cacheName: 'cargo.v1', directory: 'target' },
    ]);
    expect(parsed.payload!.maxRunTime).toBe(600);
  });

  it.each([
    ['not an object', [], 'the payload must be a JSON object'],
    ['no command', {}, 'command is required'],
    ['an empty command', { command: [] }, 'command must be a non-empty array'],
    ['a string command', { command: 'make all' }, 'command must be a non-empty array'],
    ['mixed command forms', { command: ['a', ['b']] }, 'command must be an array of strings, or an array of non-empty arrays'],
    ['an empty sub-command', { command: [['a'], []] }, 'command must be an array of strings, or an array of non-empty arrays'],
    ['an empty program', { command: [''] }, 'command must name a program first'],
    ['a non-string env value', { command: ['a'], env: { A: 1 } }, 'env.A must be a string'],
    ['a bad env name', { command: ['a'], env: { 'A-B': 'x' } }, 'env: "A-B" is not a valid variable name'],
    ['a zero maxRunTime', { command: ['a'], maxRunTime: 0 }, 'maxRunTime must be a whole number of seconds from 1 to 86400'],
    ['a fractional maxRunTime', { command: ['a'], maxRunTime: 1.5 }, 'maxRunTime must be a whole number'],
    ['an artifact of unknown type', { command: ['a'], artifacts: [{ type: 'link', path: 'a', name: 'b' }] }, 'artifacts[0].type must be "file" or "directory"'],
    ['an absolute artifact path', { command: ['a'], artifacts: [{ type: 'file', path: '/etc/passwd', name: 'b' }] }, 'artifacts[0].path must be relative'],
    ['an artifact path going up', { command: ['a'], artifacts: [{ type: 'file', path: 'a/../../b', name: 'b' }] }, 'artifacts[0].path must stay inside'],
    ['a bad artifact name', { command: ['a'], artifacts: [{ type: 'file', path: 'a', name: 'a//b' }] }, "artifacts[0].name may not start or end with '/'"],
    ['an artifact named as the log', { command: ['a'], artifacts: [{ type: 'file', path: 'a', name: 'public/logs/live.log' }] }, "is the worker's own log"],
    ['a name used twice', { command: ['a'], artifacts: [{ type: 'file', path: 'a', name: 'x' }, { type: 'file', path: 'b', name: 'x' }] }, 'artifacts[1].name "x" is used twice'],
    ['a bad expiry', { command: ['a'], artifacts: [{ type: 'file', path: 'a', name: 'x', expires: 'tomorrow' }] }, 'artifacts[0].expires must be a date-time'],
    ['a bad cache name', { command: ['a'], caches: [{ cacheName: '../x', directory: 'c' }] }, 'caches[0].cacheName must be'],
    ['a cache at the task folder itself', { command: ['a'], caches: [{ cacheName: 'c', directory: '.' }] }, 'caches[0].directory must stay inside'],
    ['nested caches', { command: ['a'], caches: [{ cacheName: 'c', directory: 'x' }, { cacheName: 'd', directory: 'x/y' }] }, 'caches c and d overlap'],
    ['one cache mounted twice', { command: ['a'], caches: [{ cacheName: 'c', directory: 'x' }], mounts: [{ cacheName: 'c', directory: 'y' }] }, 'cache c is mounted twice'],
  ])('refuses %s, saying why', (_what, payload, problem) => {
    const parsed = parsePayload(payload);
    expect(parsed.payload).toBeUndefined();
    expect(parsed.problems.join('\n')).toContain(problem);
  });

  it('reports every problem at once', () => {
    expect(parsePayload({ maxRunTime: -1, env: [] }).problems).toHaveLength(3);
  });
});

describe('worker configuration', () => {
  const env = { TASKGATE_CLIENT_ID: 'w', TASKGATE_ACCESS_TOKEN: 't', PATH: '/bin', TASKGATE_SECRET_THING: 'x' };

  it('reads flags and the environment, with defaults', () => {
    const config = loadWorkerConfig(['--pool', 'local/default'], env);
    expect(config).toMatchObject({
      gatewayUrl: 'http://localhost:4000/graphql',
      auth: { kind: 'client', clientId: 'w', accessToken: 't' },
      workerPoolId: 'local/default',
      workerGroup: 'local',
      capacity: 1,
    });
    expect(config.workerId).toMatch(/^[a-zA-Z0-9_-]{1,38}$/);
    // Tasks start from a few harmless variables, never the worker's own.
    expect(config.taskBaseEnv).toEqual({ PATH: '/bin' });
  });

  it('takes a registration token instead of a client', () => {
    const config = loadWorkerConfig(['--pool=local/default', '--worker-group', 'g1', '--worker-id', 'w1'], { TASKGATE_REGISTRATION_TOKEN: 'r', TASKGATE_CAPACITY: '4' });
    expect(config).toMatchObject({ auth: { kind: 'registration', token: 'r' }, workerGroup: 'g1', workerId: 'w1', capacity: 4 });
  });

  it('reports every problem at once', () => {
    try {
      loadWorkerConfig(['--worker-id', 'bad id', '--nope'], { TASKGATE_CAPACITY: '0', TASKGATE_GATEWAY_URL: 'ftp://x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WorkerConfigError);
      expect((error as WorkerConfigError).problems).toEqual([
        'unknown argument "--nope"',
        '--pool <provisionerId/workerType> is required',
        '--worker-id must be 1–38 characters of a-z A-Z 0-9 _ -; got "bad id"',
        'TASKGATE_GATEWAY_URL must be an http(s) URL; got "ftp://x"',
        'set either TASKGATE_CLIENT_ID and TASKGATE_ACCESS_TOKEN (a client), or TASKGATE_REGISTRATION_TOKEN (a registered worker)',
        'TASKGATE_CAPACITY must be a whole number from 1 to 32; got "0"',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"',
      ]);
    }
  });
});

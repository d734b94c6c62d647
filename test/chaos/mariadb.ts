// A MariaDB server of the chaos run's own (its own data folder and port), so the run can kill it
// with SIGKILL and start it again — a real crash and recovery — without touching the machine's
// shared server that other tests use.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const SERVER = '/usr/sbin/mariadbd';
const INSTALL = '/usr/bin/mariadb-install-db';

export class PrivateMariaDb {
  private process: ChildProcess | undefined;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static available(): boolean {
    return fs.existsSync(SERVER) && fs.existsSync(INSTALL);
  }

  /** Creates the data folder, starts the server and creates the database `chaos`. */
  static async create(dir: string, port: number): Promise<PrivateMariaDb> {
    const install = spawnSync(INSTALL, ['--no-defaults', `--datadir=${path.join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root'], {
      encoding: 'utf8',
    });
    if (install.status !== 0) throw new Error(`mariadb-install-db failed:\n${install.stdout}\n${install.stderr}`);
    const db = new PrivateMariaDb(dir, port);
    await db.start();
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
    await connection.query('CREATE DATABASE chaos');
    await connection.end();
    return db;
  }

  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/chaos`;
  }

  async start(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'server.log'), 'a');
    this.process = spawn(
      SERVER,
      [
        '--no-defaults',
        `--datadir=${path.join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${path.join(this.dir, 'mysqld.sock')}`,
        `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
        '--user=root',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=256M',
        '--max-connections=2000',
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    const deadline = Date.now() + 60_000;
    while (!(await accepts(this.port))) {
      if (this.process.exitCode !== null) throw new Error(`mariadbd exited with ${this.process.exitCode}: see ${this.dir}/server.log`);
      if (Date.now() > deadline) throw new Error(`mariadbd did not listen within a minute: see ${this.dir}/server.log`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGKILL: the server crashes, clients see their connections reset. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

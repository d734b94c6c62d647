// A task's live log on the worker: output lines are masked and written to a local file as they
// come, and a sender streams them from that file to the gateway (appendTaskLog), so memory
// stays bounded whatever the task prints — a slow gateway only makes the sender lag behind on
// disk. When the task is done, the same file is uploaded as `public/logs/live.log`: the artifact
// is exactly the lines that were streamed.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { LineSplitter, Masker } from './lines';

/**
 * At most one append in flight, and at most one started per this interval: lines after a quiet
 * spell go at once; a busy task's lines are batched, up to ten times a second. The interval is
 * the floor of the line latency subscribers see, and each batch costs the gateway one message per
 * subscriber (~20 µs of CPU each, mostly the socket write, bench/log-fanout): at 100 ms, 1,000
 * subscribers of a chatty task see p50 95 ms at a fifth of a core. A gateway that falls behind merges each
 * subscriber's pending batches, so a longer interval would buy nothing there but latency.
 */
export const SEND_INTERVAL_MS = 100;
/** One append carries at most this much (JSON-encoded); the gateway's body limit is 1 MiB. */
const BATCH_JSON_CHARS = 512 * 1024;
const BATCH_LINES = 5000;
/** Bytes read from the file per batch: more than the longest line (64 Ki characters of UTF-8). */
const READ_BYTES = 1024 * 1024;

/** Sends lines from `fromLine` on; answers the gateway's line count after. */
export type AppendLines = (fromLine: number, lines: string[]) => Promise<number>;

export interface LiveLogOptions {
  file: string;
  masker: Masker;
  append: AppendLines;
  /** The sender stopped for good (the run is no longer running, or the gateway stayed away). */
  onSendError?: (error: unknown) => void;
}

export class LiveLog {
  private readonly out: fs.WriteStream;
  private readonly inputs = new Set<Readable>();
  private readonly paused = new Set<Readable>();
  /** Lines and bytes handed to the file, and of those, written to it. */
  private written = { lines: 0, bytes: 0 };
  private flushed = { lines: 0, bytes: 0 };
  /** Lines and bytes the gateway has. */
  private sent = { lines: 0, bytes: 0 };
  private sending = false;
  private sendFailed = false;
  private timer: NodeJS.Timeout | undefined;
  private lastSend = 0;
  private closed = false;
  private readFd: fs.promises.FileHandle | undefined;
  private idle: (() => void)[] = [];

  constructor(private readonly options: LiveLogOptions) {
    this.out = fs.createWriteStream(options.file, { flags: 'w', highWaterMark: 256 * 1024 });
    this.out.on('drain', () => {
      for (const input of this.paused) input.resume();
      this.paused.clear();
    });
  }

  /** The local file holding the whole log. */
  get file(): string {
    return this.options.file;
  }

  /** Lines written so far (the artifact will have this many). */
  get lineCount(): number {
    return this.written.lines;
  }

  /** Lines the gateway has acknowledged. */
  get sentLines(): number {
    return this.sent.lines;
  }

  /** Writes a line of the worker's own (masked; a newline in it starts another line). */
  line(text: string): boolean {
    if (this.closed) return true;
    return this.writeLines(text.split(/\r?\n/));
  }

  /** Follows an output stream until it ends; pauses it while the file's buffer is full. */
  follow(input: Readable): Promise<void> {
    const splitter = new LineSplitter();
    this.inputs.add(input);
    return new Promise((resolve) => {
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        input.off('data', onData);
        this.writeLines(splitter.end());
        this.inputs.delete(input);
        this.paused.delete(input);
        resolve();
      };
      const onData = (chunk: Buffer) => {
        if (!this.writeLines(splitter.push(chunk))) {
          input.pause();
          this.paused.add(input);
        }
      };
      input.on('data', onData);
      input.once('end', done);
      input.once('close', done);
      input.once('error', done);
    });
  }

  /**
   * No more lines: flushes the file and, unless `send` is false, waits until the gateway has
   * every line (or the sender gave up). Answers the file's line count.
   */
  async close(options: { send?: boolean } = {}): Promise<number> {
    if (!this.closed) {
      this.closed = true;
      await new Promise<void>((resolve) => this.out.end(resolve));
    }
    if (options.send === false) this.sendFailed = true;
    else await this.allSent();
    if (this.timer) clearTimeout(this.timer);
    await this.readFd?.close().catch(() => undefined);
    this.readFd = undefined;
    return this.written.lines;
  }

  private writeLines(lines: string[]): boolean {
    if (!lines.length) return true;
    let text = '';
    for (const line of lines) text += `${this.options.masker.mask(line)}\n`;
    const bytes = Buffer.byteLength(text);
    this.written = { lines: this.written.lines + lines.length, bytes: this.written.bytes + bytes };
    const count = lines.length;
    return this.out.write(text, () => {
      this.flushed = { lines: this.flushed.lines + count, bytes: this.flushed.bytes + bytes };
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.sending || this.timer || this.sendFailed || this.flushed.lines <= this.sent.lines) return;
    const wait = this.lastSend + SEND_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    void this.sendBatch();
  }

  private async sendBatch(): Promise<void> {
    this.sending = true;
    this.lastSend = Date.now();
    try {
      const batch = await this.readBatch();
      if (batch.lines.length) {
        const count = await this.options.append(this.sent.lines, batch.lines);
        // The gateway may have had some of these already (a retried append): it says how many it has.
        if (count < this.sent.lines + batch.lines.length) throw new Error(`the gateway has ${count} lines, expected ${this.sent.lines + batch.lines.length}`);
        this.sent = { lines: this.sent.lines + batch.lines.length, bytes: this.sent.bytes + batch.bytes };
      }
    } catch (error) {
      this.sendFailed = true;
      this.options.onSendError?.(error);
    } finally {
      this.sending = false;
    }
    if (this.sendFailed || this.flushed.lines <= this.sent.lines) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
    this.schedule();
  }

  /** The next lines to send, read back from the file (complete lines only). */
  private async readBatch(): Promise<{ lines: string[]; bytes: number }> {
    this.readFd ??= await fs.promises.open(this.options.file, 'r');
    const length = Math.min(READ_BYTES, this.flushed.bytes - this.sent.bytes);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.readFd.read(buffer, 0, length, this.sent.bytes);
    const lines: string[] = [];
    let json = 0;
    let offset = 0;
    while (offset < bytesRead && lines.length < BATCH_LINES) {
      const newline = buffer.indexOf(10, offset);
      if (newline < 0 || newline >= bytesRead) break;
      const line = buffer.toString('utf8', offset, newline);
      json += JSON.stringify(line).length + 1;
      if (lines.length && json > BATCH_JSON_CHARS) break;
      lines.push(line);
      offset = newline + 1;
    }
    return { lines, bytes: offset };
  }

  private allSent(): Promise<void> {
    if (this.sendFailed || this.flushed.lines <= this.sent.lines) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.schedule();
    });
  }
}

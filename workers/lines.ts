// Turning a task's output bytes into log lines, and masking secret values in them. Pure: no
// I/O, so a table test covers the edge cases (split UTF-8, CRLF, endless lines).
import { StringDecoder } from 'node:string_decoder';

/**
 * A line longer than this is cut into several: the log stays line-based and one append stays
 * under the gateway's body limit even for output with no newline at all.
 */
export const MAX_LINE_CHARS = 64 * 1024;

/** Splits one output stream into lines; `\r\n` counts as one newline. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  /** The lines completed by `chunk`. */
  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.split(text, false);
  }

  /** The last, unterminated line (if any), at the end of the stream. */
  end(): string[] {
    return this.split(this.decoder.end(), true);
  }

  private split(text: string, final: boolean): string[] {
    const lines: string[] = [];
    let buffer = this.partial + text;
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf('\n', start);
      if (newline < 0) break;
      pushCut(lines, stripCr(buffer.slice(start, newline)));
      start = newline + 1;
    }
    buffer = buffer.slice(start);
    // An endless line is cut as it grows, so memory stays bounded.
    while (buffer.length >= MAX_LINE_CHARS) {
      lines.push(buffer.slice(0, MAX_LINE_CHARS));
      buffer = buffer.slice(MAX_LINE_CHARS);
    }
    if (final && buffer.length) {
      lines.push(stripCr(buffer));
      buffer = '';
    }
    this.partial = buffer;
    return lines;
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function pushCut(lines: string[], line: string): void {
  if (line.length <= MAX_LINE_CHARS) return void lines.push(line);
  for (let i = 0; i < line.length; i += MAX_LINE_CHARS) lines.push(line.slice(i, i + MAX_LINE_CHARS));
}

export const MASK = '[secret]';
/** Shorter values are not masked: masking "a" or "no" would wreck the log and hide nothing. */
export const MIN_MASKED_LENGTH = 4;

/** The secret values a task has read; every occurrence in a line becomes `[secret]`. */
export class Masker {
  private values: string[] = [];

  get size(): number {
    return this.values.length;
  }

  /** Adds every string inside `value` (a secret's JSON), each line of a multi-line one apart. */
  add(value: unknown): void {
    const found = new Set(this.values);
    const visit = (v: unknown) => {
      if (typeof v === 'string') {
        for (const part of [v, ...v.split(/\r?\n/)]) if (part.length >= MIN_MASKED_LENGTH) found.add(part);
      } else if (Array.isArray(v)) v.forEach(visit);
      else if (typeof v === 'object' && v !== null) Object.values(v).forEach(visit);
    };
    visit(value);
    // Longest first, so a value containing another is masked whole.
    this.values = [...found].sort((a, b) => b.length - a.length);
  }

  mask(line: string): string {
    let masked = line;
    for (const value of this.values) if (masked.includes(value)) masked = masked.split(value).join(MASK);
    return masked;
  }
}

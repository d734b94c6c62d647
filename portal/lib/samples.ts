// Code samples in the docs. A fenced block's meta string says what it is:
//   ```graphql sample            an operation the docs test runs against a live gateway
//   ```json variables            the variables of the sample just above
//   ```sh sample / ```js sample  a shell (curl) or Node script the test runs too
//   ```text norun="why"          anything else says why it is not run (output, config files)
// Placeholders make samples runnable as they stand, both when a reader copies them and when the
// test runs them: {{slug:NAME}} is a fresh slugid (the same NAME gives the same id across a page),
// {{now}} is the current time and {{now+2h}} / {{now+1d}} / {{now-5m}} are offsets from it.
// The page substitutes them in the browser; the test does the same with the same function.

export interface SampleMeta {
  sample: boolean;
  variables: boolean;
  norun?: string;
  /** The error code the sample demonstrates (e.g. INSUFFICIENT_SCOPES); otherwise it must succeed. */
  expect?: string;
  /** `anonymous` runs it without credentials; otherwise as a signed-in administrator. */
  as?: string;
  /** Subscriptions: stop after this many events (default: when the subscription completes). */
  events?: number;
  /** The answer (or output) must contain this; the test retries the sample until it does. */
  until?: string;
  /** The answer (or output) must contain this. */
  output?: string;
  raw: string;
}

export function parseMeta(meta: string | undefined): SampleMeta {
  const out: SampleMeta = { sample: false, variables: false, raw: meta ?? '' };
  if (!meta) return out;
  const re = /(\w+)(?:=(?:"([^"]*)"|'([^']*)'|(\S+)))?/g;
  for (let m = re.exec(meta); m; m = re.exec(meta)) {
    const [, key, doubleQuoted, singleQuoted, plain] = m;
    const value = doubleQuoted ?? singleQuoted ?? plain;
    if (key === 'sample') out.sample = true;
    else if (key === 'variables') out.variables = true;
    else if (key === 'norun') out.norun = value ?? 'not runnable';
    else if (key === 'expect') out.expect = value;
    else if (key === 'as') out.as = value;
    else if (key === 'events') out.events = Number(value);
    else if (key === 'until') out.until = value;
    else if (key === 'output') out.output = value;
  }
  return out;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A fresh slugid: a v4 UUID as 22 characters of URL-safe base64. */
export function newSlugid(random: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  // Taskcluster's "nice" slugids: the first character is never '-', so ids read well in shells.
  bytes[0] &= 0x7f;
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export interface Substitutions {
  slugs: Map<string, string>;
  now: number;
  random: (bytes: Uint8Array) => Uint8Array;
}

export function substitute(text: string, subs: Substitutions): string {
  return text.replace(/\{\{\s*(slug:[\w-]+|now(?:[+-]\d+[smhd])?)\s*\}\}/g, (_, token: string) => {
    if (token.startsWith('slug:')) {
      const name = token.slice(5);
      let id = subs.slugs.get(name);
      if (!id) {
        id = newSlugid(subs.random);
        subs.slugs.set(name, id);
      }
      return id;
    }
    const offset = /^now([+-])(\d+)([smhd])$/.exec(token);
    const ms = offset ? (offset[1] === '-' ? -1 : 1) * Number(offset[2]) * UNITS[offset[3]] : 0;
    return new Date(subs.now + ms).toISOString();
  });
}

export function hasPlaceholders(text: string): boolean {
  return /\{\{\s*(slug:[\w-]+|now(?:[+-]\d+[smhd])?)\s*\}\}/.test(text);
}

export interface CodeBlock {
  language: string;
  meta: SampleMeta;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced code blocks of a Markdown/MDX source, in order. */
export function extractBlocks(source: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    blocks.push({ language: open[1], meta: parseMeta(open[2]), text: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

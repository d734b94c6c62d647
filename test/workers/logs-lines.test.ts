// Output bytes to log lines, secret masking, and the log's line rules, table by table.
import { describe, expect, it } from 'vitest';
import { linesToAdd, unsentPart } from '../../entities/queue/logs/rules';
import { LineSplitter, Masker, MAX_LINE_CHARS } from '../../workers/lines';

describe('splitting output into lines', () => {
  function split(chunks: (string | Buffer)[]): string[] {
    const splitter = new LineSplitter();
    return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()];
  }

  it.each([
    ['one line', ['hello\n'], ['hello']],
    ['an unterminated last line', ['a\nb'], ['a', 'b']],
    ['lines across chunks', ['he', 'llo\nwor', 'ld\n'], ['hello', 'world']],
    ['CRLF', ['a\r\nb\r\n'], ['a', 'b']],
    ['empty lines', ['\n\na\n'], ['', '', 'a']],
    ['nothing', [], []],
  ])('splits %s', (_what, chunks, lines) => {
    expect(split(chunks)).toEqual(lines);
  });

  it('keeps a UTF-8 character split across chunks whole', () => {
    const bytes = Buffer.from('é€😀\n');
    expect(split([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4, 7), bytes.subarray(7)])).toEqual(['é€😀']);
  });

  it('cuts an endless line as it grows, without waiting for its end', () => {
    const splitter = new LineSplitter();
    const first = splitter.push('x'.repeat(MAX_LINE_CHARS + 10));
    expect(first).toEqual(['x'.repeat(MAX_LINE_CHARS)]);
    expect(splitter.push('y\n')).toEqual([`${'x'.repeat(10)}y`]);
  });
});

describe('masking secrets', () => {
  it('masks every string value, nested, longest first, and leaves short ones alone', () => {
    const masker = new Masker();
    masker.add({ token: 'abcd1234', outer: { list: ['abcd1234-longer', 'no'] }, n: 12345 });
    expect(masker.mask('token abcd1234 and abcd1234-longer; no 12345')).toBe('token [secret] and [secret]; no 12345');
  });

  it('masks each line of a multi-line value', () => {
    const masker = new Masker();
    masker.add({ key: '-----BEGIN KEY-----\nsecretline\n-----END KEY-----' });
    expect(masker.mask('secretline')).toBe('[secret]');
  });

  it('masks nothing until a secret was read', () => {
    expect(new Masker().mask('anything')).toBe('anything');
  });
});

describe('log line numbering', () => {
  it.each([
    ['at the end', 3, 3, ['d'], { gap: false, added: ['d'] }],
    ['overlapping (a retried append)', 3, 1, ['b', 'c', 'd'], { gap: false, added: ['d'] }],
    ['wholly known', 3, 0, ['a', 'b'], { gap: false, added: [] }],
    ['past the end', 3, 4, ['e'], { gap: true, added: [] }],
  ])('an append %s', (_what, count, from, lines, result) => {
    expect(linesToAdd(count, from, lines)).toEqual(result);
  });

  it.each([
    ['the next lines', 5, { fromLine: 5, lines: ['f'] }, { gap: false, lines: ['f'] }],
    ['lines partly sent', 5, { fromLine: 3, lines: ['d', 'e', 'f'] }, { gap: false, lines: ['f'] }],
    ['lines already sent', 5, { fromLine: 0, lines: ['a'] }, { gap: false, lines: [] }],
    ['lines after a gap', 5, { fromLine: 7, lines: ['h'] }, { gap: true, lines: [] }],
  ])('a subscriber owed line 5 given %s', (_what, next, batch, result) => {
    expect(unsentPart(next, batch)).toEqual(result);
  });
});

// Group commit: items arriving while a batch commits go together in the next one.
import { describe, expect, it } from 'vitest';
import { GroupCommit, type Settled } from '../../entities/db/group-commit';

/** A commit whose batches stay open until the test lets them finish. */
function heldCommits() {
  const batches: { items: string[]; finish: (results?: Settled<string>[]) => void; fail: (error: Error) => void }[] = [];
  const commit = (items: string[]) =>
    new Promise<Settled<string>[]>((resolve, reject) => {
      batches.push({ items, finish: (results) => resolve(results ?? items.map((item) => ({ value: `done ${item}` }))), fail: reject });
    });
  return { batches, commit };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('commits a lone item at once, and the items that came meanwhile together next', async () => {
    const { batches, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 10, concurrency: 1, key: (item: string) => item });
    const first = group.submit('a');
    const rest = ['b', 'c', 'd'].map((item) => group.submit(item));
    await flush();
    expect(batches.map((b) => b.items)).toEqual([['a']]);
    batches[0].finish();
    expect(await first).toBe('done a');
    await flush();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b', 'c', 'd']]);
    batches[1].finish();
    expect(await Promise.all(rest)).toEqual(['done b', 'done c', 'done d']);
  });

  it('runs up to `concurrency` batches at once and caps each at maxBatch', async () => {
    const { batches, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 2, concurrency: 2, key: (item: string) => item });
    const all = ['a', 'b', 'c', 'd', 'e'].map((item) => group.submit(item));
    await flush();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b']]);
    batches[0].finish();
    await flush();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b'], ['c', 'd']]);
    batches[1].finish();
    await flush();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b'], ['c', 'd'], ['e']]);
    batches[2].finish();
    batches[3].finish();
    expect(await Promise.all(all)).toHaveLength(5);
  });

  it('keeps two items of one key apart, the later waiting for the next batch in its turn', async () => {
    const { batches, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 10, concurrency: 1, key: (item: string) => item.split('#')[0] });
    const all = ['x', 'a#1', 'b', 'a#2', 'c'].map((item) => group.submit(item));
    await flush();
    batches[0].finish();
    await flush();
    expect(batches[1].items).toEqual(['a#1', 'b', 'c']);
    batches[1].finish();
    await flush();
    expect(batches[2].items).toEqual(['a#2']);
    batches[2].finish();
    await Promise.all(all);
  });

  it('answers each item with its own result or error, and fails the whole batch when the commit throws', async () => {
    const { batches, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 2, concurrency: 1, key: (item: string) => item });
    const first = group.submit('a');
    const [b, c] = ['b', 'c'].map((item) => group.submit(item));
    const [d, e] = ['d', 'e'].map((item) => group.submit(item));
    await flush();
    batches[0].finish();
    await first;
    await flush();
    batches[1].finish([{ value: 'b ok' }, { error: new Error('c refused') }]);
    expect(await b).toBe('b ok');
    await expect(c).rejects.toThrow('c refused');
    await flush();
    batches[2].fail(new Error('database gone'));
    await expect(d).rejects.toThrow('database gone');
    await expect(e).rejects.toThrow('database gone');
  });
});

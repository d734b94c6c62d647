// Group commit: work items that arrive while earlier ones are committing wait, and go together
// in the next transaction. An idle system commits an item at once (no timer, no added latency);
// a busy one pays a transaction's round trips and commit once per batch instead of per item.

export type Settled<R> = { value: R } | { error: unknown };

export interface GroupCommitOptions<Item> {
  /** Most items in one batch. */
  maxBatch: number;
  /** Batches committing at once. */
  concurrency: number;
  /** Items with the same key never share a batch (a later one waits for the earlier to commit). */
  key: (item: Item) => string;
}

interface Waiting<Item, R> {
  item: Item;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Item, R> {
  private readonly waiting: Waiting<Item, R>[] = [];
  private running = 0;

  /** `commit` settles every item of a batch, in the batch's order; if it throws, every item fails with that error. */
  constructor(
    private readonly commit: (items: Item[]) => Promise<Settled<R>[]>,
    private readonly options: GroupCommitOptions<Item>,
  ) {}

  submit(item: Item): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.running < this.options.concurrency && this.waiting.length) {
      const batch = this.takeBatch();
      this.running += 1;
      void this.run(batch).finally(() => {
        this.running -= 1;
        this.startBatches();
      });
    }
  }

  /** The oldest waiting items, up to maxBatch, at most one per key; the rest keep their order. */
  private takeBatch(): Waiting<Item, R>[] {
    const batch: Waiting<Item, R>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.waiting.length && batch.length < this.options.maxBatch; ) {
      const key = this.options.key(this.waiting[i].item);
      if (keys.has(key)) {
        i += 1;
        continue;
      }
      keys.add(key);
      batch.push(...this.waiting.splice(i, 1));
    }
    return batch;
  }

  private async run(batch: Waiting<Item, R>[]): Promise<void> {
    try {
      const results = await this.commit(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const result = results[i];
        if (!result) w.reject(new Error('group commit settled fewer items than it was given'));
        else if ('error' in result) w.reject(result.error);
        else w.resolve(result.value);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}

// Moves every stored secret under the newest key, so an old key can then be removed from
// SECRETS_KEYS. Walks the table in name order, a batch at a time; each row is rewritten only if it
// is still what was read (same key id and IV), so a secret set meanwhile — already under the
// newest key — is never overwritten with its older value. Values are unchanged: nothing is audited.
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { inTransaction } from '../db/transaction';
import { openSecret, sealSecret, SecretUnreadable } from './crypto';
import { secretsKeyring } from './keyring';
import { Secret } from './Secret';

export interface ReencryptProgress {
  /** Rows looked at so far that were under an older key. */
  done: number;
  /** Rows under an older key when the run started. */
  total: number;
}

export interface ReencryptReport extends ReencryptProgress {
  keyId: string;
  reencrypted: number;
  /** Names of secrets that could not be opened (unknown key or tampered); they are left as they are. */
  unreadable: string[];
}

export async function reencryptSecrets(
  target: { db: DataSource; config: Config },
  options: { batchSize?: number; onProgress?: (progress: ReencryptProgress) => void } = {},
): Promise<ReencryptReport> {
  const { db } = target;
  const keyring = secretsKeyring(target.config);
  const keyId = keyring.newest.id;
  const batchSize = options.batchSize ?? 200;
  const repo = db.getRepository(Secret);
  const total = await repo.createQueryBuilder('s').where('s.key_id <> :keyId', { keyId }).getCount();
  const report: ReencryptReport = { keyId, total, done: 0, reencrypted: 0, unreadable: [] };
  let after: string | undefined;
  for (;;) {
    const query = repo.createQueryBuilder('s').where('s.key_id <> :keyId', { keyId });
    if (after !== undefined) query.andWhere('s.name > :after', { after });
    const rows = await query.orderBy('s.name', 'ASC').take(batchSize).getMany();
    if (!rows.length) break;
    after = rows[rows.length - 1].name;
    const rewrites: { row: Secret; sealed: ReturnType<typeof sealSecret> }[] = [];
    for (const row of rows) {
      try {
        rewrites.push({ row, sealed: sealSecret(keyring, row.name, openSecret(keyring, row.name, row)) });
      } catch (error) {
        if (!(error instanceof SecretUnreadable)) throw error;
        report.unreadable.push(row.name);
      }
    }
    await inTransaction(db, async (tx) => {
      for (const { row, sealed } of rewrites) {
        const result = await tx.getRepository(Secret).update({ name: row.name, keyId: row.keyId, iv: row.iv }, sealed);
        if (result.affected) report.reencrypted += 1;
      }
    });
    report.done += rows.length;
    options.onProgress?.({ done: report.done, total: report.total });
  }
  return report;
}

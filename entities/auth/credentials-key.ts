import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/**
 * The key that signs temporary credentials. From CREDENTIALS_KEY when set (replicas on several
 * machines must share it); otherwise generated once into the data folder, for zero configuration.
 */
export function loadOrCreateCredentialsKey(config: Config): Buffer {
  if (config.credentialsKey) return Buffer.from(config.credentialsKey, 'utf8');
  const file = path.resolve(config.dataDir, 'credentials.key');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
}

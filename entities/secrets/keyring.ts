// The keys that encrypt secrets. From SECRETS_KEYS when set (every gateway and cron must share
// them); otherwise from `<dataDir>/secrets.key`, generated on the first start for zero
// configuration. Either way the list is oldest first: the last key encrypts, any key decrypts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseSecretsKeys, type Config, type SecretsKey } from '../config';
import { DomainError } from '../errors';

export const SECRETS_KEY_FILE = 'secrets.key';

export interface Keyring {
  /** The key new values are encrypted with. */
  readonly newest: SecretsKey;
  /** The key with this id, if this process has it. */
  get(keyId: string): SecretsKey | undefined;
  readonly ids: readonly string[];
}

/** The key file is unreadable or malformed: the process cannot start. */
export class SecretsKeyFileError extends DomainError {
  readonly code = 'INTERNAL_SERVER_ERROR';
}

export interface PreparedKeyring {
  keyring: Keyring;
  /** One line for the operator when a key was generated just now, else undefined. */
  notice?: string;
}

const keyrings = new WeakMap<Config, Keyring>();

/** The process's keyring, loaded (and generated, if need be) on first use. */
export function secretsKeyring(config: Config): Keyring {
  return keyrings.get(config) ?? prepareSecretsKeyring(config).keyring;
}

/**
 * Loads the keyring at process start, generating the key file when SECRETS_KEYS is unset and no
 * file exists yet. Several processes starting at once agree on one file: it is created whole,
 * under its final name, by exactly one of them.
 */
export function prepareSecretsKeyring(config: Config): PreparedKeyring {
  const known = keyrings.get(config);
  if (known) return { keyring: known };
  let notice: string | undefined;
  let keys = config.secretsKeys;
  if (!keys) {
    const file = path.resolve(config.dataDir, SECRETS_KEY_FILE);
    const made = generateKeyFile(file);
    if (made) {
      notice =
        `Secrets key generated into ${file} (key id ${made}). ` +
        'Set SECRETS_KEYS to choose keys yourself; every gateway and cron process must share them.';
    }
    keys = readKeyFile(file);
  }
  const keyring = makeKeyring(keys);
  keyrings.set(config, keyring);
  return { keyring, notice };
}

export function makeKeyring(keys: readonly SecretsKey[]): Keyring {
  if (!keys.length) throw new SecretsKeyFileError('no secrets key is configured');
  const byId = new Map(keys.map((k) => [k.id, k]));
  return { newest: keys[keys.length - 1], get: (id) => byId.get(id), ids: keys.map((k) => k.id) };
}

/** A fresh `<id>:<base64 key>` line; the id is random so two generated keys never share one. */
export function newKeyLine(): { id: string; line: string } {
  const id = `local-${crypto.randomBytes(4).toString('hex')}`;
  return { id, line: `${id}:${crypto.randomBytes(32).toString('base64')}` };
}

/** Returns the new key's id when this call created the file, else undefined. */
function generateKeyFile(file: string): string | undefined {
  if (fs.existsSync(file)) return undefined;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { id, line } = newKeyLine();
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${line}\n`, { mode: 0o600 });
  try {
    // link() fails if the name exists, so a reader never sees a half-written file.
    fs.linkSync(temporary, file);
    return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function readKeyFile(file: string): readonly SecretsKey[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecretsKeyFileError(`cannot read the secrets key file ${file}: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const keys = parseSecretsKeys(text, file, problems);
  if (problems.length) throw new SecretsKeyFileError(`the secrets key file is malformed: ${problems.join('; ')}`);
  return keys;
}

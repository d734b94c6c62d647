// Sealing and opening secret values: AES-256-GCM, a random 12-byte IV per write, the key id
// stored beside the ciphertext, and the secret's name as additional authenticated data, so a
// ciphertext copied into another row (another name) fails to open instead of leaking there.
import crypto from 'node:crypto';
import { DomainError } from '../errors';
import type { Keyring } from './keyring';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  keyId: string;
  iv: Buffer;
  authTag: Buffer;
  ciphertext: Buffer;
}

/**
 * A stored secret cannot be opened: its key is not in this process's keyring, or the bytes were
 * changed (or moved from another row). The message names the secret and the key id, never a
 * value or a key.
 */
export class SecretUnreadable extends DomainError {
  readonly code = 'INTERNAL_SERVER_ERROR';
}

function aad(name: string): Buffer {
  return Buffer.from(`taskgate/secret/v1:${name}`, 'utf8');
}

export function sealSecret(keyring: Keyring, name: string, plaintext: Buffer): Sealed {
  const { id, key } = keyring.newest;
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(name));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { keyId: id, iv, authTag: cipher.getAuthTag(), ciphertext };
}

export function openSecret(keyring: Keyring, name: string, sealed: Sealed): Buffer {
  const entry = keyring.get(sealed.keyId);
  if (!entry) {
    throw new SecretUnreadable(
      `secret "${name}" is encrypted under key "${sealed.keyId}", which this process does not have ` +
        `(it has ${keyring.ids.map((id) => `"${id}"`).join(', ')}). Every gateway needs every key still in use: ` +
        'add a new key last in SECRETS_KEYS, run `npm run secrets:reencrypt`, and only then remove the old one.',
      { name, keyId: sealed.keyId, reason: 'unknown-key' },
    );
  }
  try {
    const decipher = crypto.createDecipheriv(ALGORITHM, entry.key, Buffer.from(sealed.iv), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(name));
    decipher.setAuthTag(Buffer.from(sealed.authTag));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext)), decipher.final()]);
  } catch {
    // Node says only "Unsupported state or unable to authenticate data"; say what it means.
    throw new SecretUnreadable(
      `secret "${name}" cannot be decrypted: its stored bytes fail authentication under key "${sealed.keyId}" ` +
        '(changed in the database, or copied from another secret). Set it again to replace it.',
      { name, keyId: sealed.keyId, reason: 'authentication-failed' },
    );
  }
}

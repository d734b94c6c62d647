// `npm run secrets:reencrypt`: re-encrypts every secret under the newest key (the last in
// SECRETS_KEYS, or in the generated key file), printing progress. Rotate a key by adding the new
// one last, restarting the gateways, running this, and only then removing the old key.
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { describeDatabase, openDatabase } from '../db/datasource';
import { DomainError } from '../errors';
import { prepareSecretsKeyring } from './keyring';
import { reencryptSecrets } from './reencrypt';

async function main(): Promise<number> {
  const config = loadConfig();
  const { keyring, notice } = prepareSecretsKeyring(config);
  if (notice) console.log(notice);
  const db = await openDatabase(config.database);
  try {
    console.log(`re-encrypting secrets in ${describeDatabase(config.database)} under key "${keyring.newest.id}"`);
    const report = await reencryptSecrets({ db, config }, {
      onProgress: ({ done, total }) => console.log(`  ${done} of ${total} secrets under older keys looked at`),
    });
    const meanwhile = Math.max(0, report.total - report.reencrypted - report.unreadable.length);
    console.log(
      `re-encrypted ${report.reencrypted} of ${report.total} secrets that were under older keys` +
        (meanwhile ? ` (${meanwhile} were set meanwhile and are already under "${report.keyId}")` : ''),
    );
    if (report.unreadable.length) {
      console.error(`${report.unreadable.length} secrets could not be decrypted and were left as they are: ${report.unreadable.join(', ')}`);
      return 1;
    }
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError || error instanceof DomainError ? error.message : error);
    process.exit(1);
  },
);

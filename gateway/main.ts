// Entry point of a gateway process: `npm run gateway`.
import 'reflect-metadata';
import { ensureRootClient, ROOT_CLIENT_ID } from '../entities/auth/bootstrap';
import { startProcess } from '../entities/process';
import { prepareSecretsKeyring } from '../entities/secrets/keyring';
import { startGateway } from './server';

void startProcess('gateway', async (core) => {
  // With SECRETS_KEYS unset, the first start generates the key into the data folder and says so.
  const { notice } = prepareSecretsKeyring(core.config);
  if (notice) process.stdout.write(`${notice}\n`);
  const generated = await ensureRootClient(core);
  const gateway = await startGateway(core);
  core.log.info({ port: gateway.port }, 'gateway listening');
  if (generated) {
    // Printed once, on the start that created the root client; only its hash is stored.
    process.stdout.write(
      [
        '',
        `Root client created. Its access token is shown this once:`,
        `  clientId:    ${ROOT_CLIENT_ID}`,
        `  accessToken: ${generated}`,
        `Use it as:  Authorization: Bearer ${ROOT_CLIENT_ID}:${generated}`,
        `  curl -s ${core.config.gatewayUrl} -H 'content-type: application/json' \\`,
        `    -H 'authorization: Bearer ${ROOT_CLIENT_ID}:${generated}' -d '{"query":"{ currentScopes }"}'`,
        'Set ROOT_ACCESS_TOKEN to choose the token yourself.',
        '',
      ].join('\n'),
    );
  }
  return () => gateway.close();
});

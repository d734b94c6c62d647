import { AuthenticationFailed, InputError } from '../../errors';
import { CommandContext, requireScopes } from '../require-scopes';
import { normalizeScopes } from '../scopes';
import { issueTemporaryCredentials, MAX_TEMPORARY_MS, TemporaryCredentials } from '../temporary-credentials';
import { checkScopes } from '../validation';

/**
 * Issues temporary credentials acting as the caller, limited to `scopes` (which the caller must
 * hold) for at most 31 days. They stop working if the issuing client loses those scopes.
 */
export async function createTemporaryCredentials(
  ctx: CommandContext,
  props: { scopes: string[]; expiry: Date; start?: Date | null },
): Promise<TemporaryCredentials & { expiry: Date; start: Date }> {
  const { clientId, temporary } = ctx.caller;
  if (!clientId) throw new AuthenticationFailed('sign in with a client to issue temporary credentials');
  if (temporary) throw new InputError('temporary credentials cannot issue further temporary credentials');
  const scopes = normalizeScopes(props.scopes);
  checkScopes(scopes);
  const start = props.start ?? ctx.core.clock.now();
  if (props.expiry.getTime() - start.getTime() > MAX_TEMPORARY_MS) {
    throw new InputError('temporary credentials may last at most 31 days', { field: 'expiry' });
  }
  await requireScopes(ctx, { AllOf: scopes }, 'createTemporaryCredentials');
  const credentials = issueTemporaryCredentials(ctx.core.credentialsKey, { clientId, issuer: clientId, scopes, start, expiry: props.expiry });
  return { ...credentials, start, expiry: props.expiry };
}

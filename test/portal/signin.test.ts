// Sign-in, the header, and how refusals are shown, in a real browser against a real gateway.
// Skipped without TEST_BROWSER (a Chromium binary; `.ci/run` installs Debian's and sets it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { BROWSER, BUILD_TIMEOUT_MS, hasText, hidden, ROOT_AUTH, screenshot, startPortalStack, visible, type PortalStack } from './support';
import { ROOT_TOKEN } from '../support/gateway';

describe.skipIf(!BROWSER).each(databaseKinds)('signing in to the portal on %s', (kind) => {
  let s: PortalStack;
  beforeAll(async () => {
    s = await startPortalStack(kind);
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await s?.close();
    await expectNoOpenSockets();
  });

  it('signs in with a clientId and access token and shows who is signed in with their scopes', async () => {
    const page = await s.open('/signin');
    await visible(page.getByTestId('sign-in-link'));
    await page.getByLabel('Client id').fill('root');
    await page.getByLabel('Access token').fill(ROOT_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await hasText(page.getByTestId('signed-in-as'), 'root');
    await page.getByTestId('session').locator('summary').click();
    await hasText(page.getByTestId('session-scopes'), '*');
    // Kept for the session: a reload stays signed in, and the token is in sessionStorage only.
    await page.reload();
    await hasText(page.getByTestId('signed-in-as'), 'root');
    expect(await page.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
    if (kind === 'sqlite') await screenshot(page, 'home-signed-in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await visible(page.getByTestId('sign-in-link'));
    await page.context().close();
  });

  it('refuses a wrong access token and says why', async () => {
    const page = await s.open('/signin');
    await page.getByLabel('Client id').fill('root');
    await page.getByLabel('Access token').fill('not-the-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await hasText(page.getByTestId('error'), 'Sign-in failed');
    expect(await page.getByTestId('error').getAttribute('data-code')).toBe('UNAUTHENTICATED');
    await page.context().close();
  });

  it('shows the missing scopes and the roles that would grant them when the gateway says INSUFFICIENT_SCOPES', async () => {
    await s.t.ok(`mutation { createRole(roleId: "role-creators", role: { scopes: ["auth:create-role:team:*"] }) { roleId } }`, {}, s.t.root);
    const visitor = await makeClient(s.t, { scopes: [] });
    const page = await s.open('/roles/new', { auth: visitor.auth });
    await page.getByLabel('Role id').fill('team:reviewers');
    await page.getByRole('button', { name: 'Create role' }).click();
    const panel = page.getByTestId('insufficient-scopes');
    await hasText(panel.getByTestId('missing-scopes'), 'auth:create-role:team:reviewers');
    await hasText(panel.getByTestId('granting-roles'), 'assume:role-creators');
    if (kind === 'sqlite') await screenshot(page, 'insufficient-scopes');
    await page.context().close();
  });

  it('works at phone width: the menu opens from a button', async () => {
    const page = await s.open('/docs', { auth: ROOT_AUTH, width: 390, height: 844 });
    await hidden(page.locator('#site-nav'));
    await page.getByRole('button', { name: 'Menu' }).click();
    await visible(page.locator('#site-nav'));
    await page.context().close();
  });
});

// Self-service access in the browser: roles with their expansion shown as you type, clients with
// a token shown once, and the scope inspector. Skipped without TEST_BROWSER (see support.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { gql } from '../support/graphql';
import { BROWSER, BUILD_TIMEOUT_MS, eventually, hasText, ROOT_AUTH, screenshot, startPortalStack, visible, type PortalStack } from './support';

describe.skipIf(!BROWSER).each(databaseKinds)('roles, clients and scopes in the portal on %s', (kind) => {
  let s: PortalStack;
  beforeAll(async () => {
    s = await startPortalStack(kind);
    await s.t.ok(`mutation { createRole(roleId: "project:hello:deployer", role: { scopes: ["secrets:get:project/hello/*", "queue:create-task:*"] }) { roleId } }`, {}, s.t.root);
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await s?.close();
    await expectNoOpenSockets();
  });

  it('creates a role and shows its expansion live as the scopes are typed', async () => {
    const page = await s.open('/roles/new', { auth: ROOT_AUTH });
    await page.getByLabel('Role id').fill('project:hello:admin');
    await page.getByLabel('Description').fill('Administers project hello');
    await page.getByTestId('scopes-input').fill('assume:project:hello:deployer\nhooks:trigger-hook:project-hello/*');
    // Before saving: the expansion already holds what the assumed role grants.
    const expansion = page.getByTestId('expanded-scopes');
    await hasText(expansion, 'secrets:get:project/hello/*');
    await hasText(expansion, 'hooks:trigger-hook:project-hello/*');
    if (kind === 'sqlite') await screenshot(page, 'role-editor');
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.waitForURL(/\/roles\/edit\?id=project%3Ahello%3Aadmin/);
    await hasText(page.locator('h1'), 'project:hello:admin');
    const stored = await s.t.ok(`{ role(roleId: "project:hello:admin") { scopes expandedScopes } }`);
    expect(stored.role.scopes).toEqual(['assume:project:hello:deployer', 'hooks:trigger-hook:project-hello/*']);
    expect(stored.role.expandedScopes).toContain('secrets:get:project/hello/*');

    // Searching the list by prefix finds it.
    await page.goto(`${s.portal.url}/roles`);
    await page.getByLabel('Search roles by id prefix').fill('project:hello:a');
    await eventually(
      () => page.getByTestId('role-list').innerText(),
      (text) => text.includes('project:hello:admin') && !text.includes('deployer'),
      15_000,
      'the list shows only roles starting with project:hello:a',
    );
    await page.context().close();
  });

  it('edits a role, refuses an invalid scope with the gateway’s reason, and deletes the role', async () => {
    await s.t.ok(`mutation { createRole(roleId: "team:editors", role: { scopes: ["index:insert-task:team.*"] }) { roleId } }`, {}, s.t.root);
    const page = await s.open('/roles/edit?id=team%3Aeditors', { auth: ROOT_AUTH });
    const input = page.getByTestId('scopes-input');
    await hasText(page.getByTestId('expanded-scopes'), 'index:insert-task:team.*');
    await input.fill('bad scope with spaces\u0007');
    await visible(page.getByTestId('expanded-scopes').getByTestId('error'));
    await input.fill('index:insert-task:team.*\nqueue:route:index.team.*');
    await hasText(page.getByTestId('expanded-scopes'), 'queue:route:index.team.*');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await hasText(page.getByRole('status').filter({ hasText: 'Saved' }), 'Saved');
    expect((await s.t.ok(`{ role(roleId: "team:editors") { scopes } }`)).role.scopes).toContain('queue:route:index.team.*');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.waitForURL(/\/roles$/);
    expect((await s.t.ok(`{ role(roleId: "team:editors") { roleId } }`)).role).toBeNull();
    await page.context().close();
  });

  it('creates a client and shows its access token once, with a copy button; disables, resets and deletes it', async () => {
    const page = await s.open('/clients/new', { auth: ROOT_AUTH });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByLabel('Client id').fill('root/ci-bot');
    await page.getByTestId('scopes-input').fill('assume:project:hello:deployer');
    await hasText(page.getByTestId('expanded-scopes'), 'queue:create-task:*');
    await page.getByRole('button', { name: 'Create client' }).click();
    const token = (await hasText(page.getByTestId('new-token'), /\S{20,}/)).trim();
    await page.getByRole('button', { name: 'Copy access token' }).click();
    await hasText(page.getByRole('button', { name: /Copied|Copy blocked/ }), /Copied|Copy blocked/);
    if (kind === 'sqlite') await screenshot(page, 'client-token');
    // The token works, and the page never shows it again.
    const who = await gql(s.t.url, `{ whoAmI { clientId scopes } }`, {}, `root/ci-bot:${token}`);
    expect(who.data?.whoAmI.clientId).toBe('root/ci-bot');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.waitForURL(/\/clients\/edit\?id=root%2Fci-bot/);
    expect(await page.content()).not.toContain(token);

    await page.getByRole('button', { name: 'Disable' }).click();
    await hasText(page.getByTestId('client-status'), 'disabled');
    expect((await gql(s.t.url, `{ whoAmI { clientId } }`, {}, `root/ci-bot:${token}`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await page.getByRole('button', { name: 'Enable' }).click();
    await hasText(page.getByTestId('client-status'), 'enabled');

    await page.getByRole('button', { name: 'Reset token' }).click();
    await page.getByRole('button', { name: 'Yes, reset token' }).click();
    const fresh = (await hasText(page.getByTestId('new-token'), /\S{20,}/)).trim();
    expect(fresh).not.toBe(token);
    expect((await gql(s.t.url, `{ whoAmI { clientId } }`, {}, `root/ci-bot:${fresh}`)).data?.whoAmI.clientId).toBe('root/ci-bot');
    await page.getByRole('button', { name: 'I have stored it' }).click();

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.waitForURL(/\/clients$/);
    expect((await s.t.ok(`{ client(clientId: "root/ci-bot") { clientId } }`)).client).toBeNull();
    await page.context().close();
  });

  it('inspects scopes: what a set expands to and who holds a scope', async () => {
    const page = await s.open('/scopes', { auth: ROOT_AUTH });
    await page.getByLabel('Scope', { exact: true }).fill('secrets:get:project/hello/db');
    await hasText(page.getByTestId('holder-roles'), 'project:hello:deployer');
    await hasText(page.getByTestId('holder-clients'), 'root');
    await page.getByLabel('Scopes, one per line').fill('assume:project:hello:deployer');
    await hasText(page.getByTestId('expanded-scopes'), 'secrets:get:project/hello/*');
    if (kind === 'sqlite') await screenshot(page, 'scope-inspector');
    await page.context().close();
  });
});

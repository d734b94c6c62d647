import { describe, it, expect } from 'vitest';
import { RoleResolver, findRoleCycle, validateRoleDefinition, type RoleDefinition } from '../../entities/auth/role-resolver';
import { compareScopes, normalizeScopes, satisfies } from '../../entities/auth/scopes';
import { seededRandom } from '../support/random';

type RoleTable = Record<string, string[]>;

const definitions = (roles: RoleTable): RoleDefinition[] =>
  Object.entries(roles).map(([roleId, scopes]) => ({ roleId, scopes }));
const resolverFor = (roles: RoleTable, cacheSize?: number) => new RoleResolver(definitions(roles), { cacheSize });
const sorted = (scopes: string[]) => [...scopes].sort(compareScopes);

type ExpansionCase = [title: string, roles: RoleTable, input: string[], expected: string[]];

function expansionTable(cases: ExpansionCase[]): void {
  it.each(cases)('%s', (_title, roles, input, expected) => {
    expect(resolverFor(roles).expand(input)).toEqual(sorted(expected));
  });
}

/**
 * Cases from Taskcluster's services/auth/test/trietestcases.js are written over bare patterns
 * (`a* -> b<..>`). Prefixing every pattern, scope and input with `assume:` turns a rule table
 * into the equivalent role table, so those expectations apply to us unchanged.
 */
function assumeForm(title: string, rules: RoleTable, input: string, granted: string[]): ExpansionCase {
  const prefix = (scope: string) => `assume:${scope}`;
  const roles = Object.fromEntries(Object.entries(rules).map(([pattern, scopes]) => [pattern, scopes.map(prefix)]));
  return [title, roles, [prefix(input)], normalizeScopes([prefix(input), ...granted.map(prefix)])];
}

describe('RoleResolver.expand: plain roles', () => {
  expansionTable([
    ['scopes pass through when there are no roles', {}, ['a', 'b', 'c*'], ['a', 'b', 'c*']],
    ['passed-through scopes are normalized', {}, ['a*', 'ab', 'ac*', 'a'], ['a*']],
    ["assume:<roleId> grants the role's scopes", { a: ['A'], b: ['B'] }, ['assume:a'], ['assume:a', 'A']],
    ['an unknown role grants nothing', { a: ['A'] }, ['assume:x'], ['assume:x']],
    ['a role id matches exactly, not by prefix', { a: ['A'], ab: ['AB'], abc: ['ABC'] }, ['assume:ab'], ['assume:ab', 'AB']],
    ['<..> in a plain role is a literal', { p: ['secrets:<..>'] }, ['assume:p'], ['assume:p', 'secrets:<..>']],
    ['the output drops scopes covered by granted star scopes', { a: ['q:*'] }, ['assume:a', 'q:1'], ['assume:a', 'q:*']],
  ]);
});

describe('RoleResolver.expand: recursive roles', () => {
  expansionTable([
    [
      'roles refer to roles (the Taskcluster docs example)',
      { 'group:admins': ['admin-scope-1', 'admin-scope-2', 'assume:group:devs'], 'group:devs': ['dev-scope'] },
      ['assume:group:admins', 'my-scope'],
      ['admin-scope-1', 'admin-scope-2', 'assume:group:admins', 'assume:group:devs', 'dev-scope', 'my-scope'],
    ],
    ['a role reached by two paths is granted once', { a: ['assume:c'], b: ['assume:c'], c: ['C'] }, ['assume:a', 'assume:b'], ['assume:a', 'assume:b', 'assume:c', 'C']],
    ['a star scope granted by a role grants the roles it covers', { a: ['assume:b*'], bx: ['BX'], by: ['BY'], c: ['C'] }, ['assume:a'], ['assume:a', 'assume:b*', 'BX', 'BY']],
  ]);

  it('a chain of 500 roles expands to its end', () => {
    const roles: RoleTable = { 'ch-500': ['special-scope'] };
    for (let i = 0; i < 500; i++) roles[`ch-${i}`] = [`assume:ch-${i + 1}`];
    const expected = [...Array.from({ length: 501 }, (_, i) => `assume:ch-${i}`), 'special-scope'];
    expect(resolverFor(roles).expand(['assume:ch-0'])).toEqual(sorted(expected));
  });

  it('a tree of roles expands to every role below the root', () => {
    const roles: RoleTable = {};
    const grow = (id: string, depth: number) => {
      roles[id] = depth === 4 ? [`leaf:${id}`] : [0, 1, 2].map(i => `assume:${id}-${i}`);
      if (depth < 4) [0, 1, 2].forEach(i => grow(`${id}-${i}`, depth + 1));
    };
    grow('t', 0);
    const expansion = resolverFor(roles).expand(['assume:t']);
    expect(expansion.filter(scope => scope.startsWith('leaf:'))).toHaveLength(81);
    expect(expansion).toHaveLength(81 + Object.keys(roles).length);
  });
});

describe('RoleResolver.expand: held star scopes', () => {
  const abc: RoleTable = { a: ['A'], b: ['B'], c: ['C'] };
  expansionTable([
    ['assume:a* grants a, aa, ab and the star role a*', { a: ['A'], aa: ['AA'], ab: ['AB'], 'a*': ['ASTAR'] }, ['assume:a*'], ['assume:a*', 'A', 'AA', 'AB', 'ASTAR']],
    ['assume:ab* grants ab and abc but not a', { a: ['A'], ab: ['AB'], abc: ['ABC'] }, ['assume:ab*'], ['assume:ab*', 'AB', 'ABC']],
    ['assume:aa* also grants the shorter star role a*', { 'a*': ['ASTAR'], aabc: ['AABC'] }, ['assume:aa*'], ['assume:aa*', 'ASTAR', 'AABC']],
    ['* already holds everything', abc, ['*'], ['*']],
    ['a* covers assume: and so grants every role', abc, ['a*'], ['a*', 'A', 'B', 'C']],
    ['assume* grants every role', abc, ['assume*'], ['assume*', 'A', 'B', 'C']],
    ['assum* grants every role', abc, ['assum*'], ['assum*', 'A', 'B', 'C']],
    ['assume:* grants every role', abc, ['assume:*'], ['assume:*', 'A', 'B', 'C']],
    ['b* does not cover assume: and grants nothing', abc, ['b*'], ['b*']],
    [
      'a star in the middle of a held scope is literal',
      { a: ['A'], 'a*b': ['ASTARB'], 'a*bc': ['ASTARBC'], ab: ['AB'], abc: ['ABC'], 'b*': ['BSTAR'], 'ab*': ['ABSTAR'] },
      ['assume:a*b*'],
      ['assume:a*b*', 'ASTARB', 'ASTARBC'],
    ],
    ['assume:a*b (no trailing star) grants role a*b and the star role a*', { 'a*': ['ASTAR'], 'a*b': ['ASTARB'], 'a*bc': ['ASTARBC'] }, ['assume:a*b'], ['assume:a*b', 'ASTAR', 'ASTARB']],
  ]);
});

describe('RoleResolver.expand: star roles', () => {
  expansionTable([
    ['assume:a gets the star role a* but not ab*', { 'a*': ['ASTAR'], 'ab*': ['ABSTAR'] }, ['assume:a'], ['assume:a', 'ASTAR']],
    ['assume:ab gets both ab* and a*', { 'ab*': ['ABSTAR'], 'a*': ['ASTAR'] }, ['assume:ab'], ['assume:ab', 'ABSTAR', 'ASTAR']],
    ['role * applies to every assume scope', { '*': ['STAR'], 'a*': ['ASTAR'] }, ['assume:a'], ['assume:a', 'STAR', 'ASTAR']],
    [
      'a star role applies to every role id it matches (the Taskcluster docs example)',
      { 'hook-id:taskcluster/*': ['queue:create-task:aws-provisioner/taskcluster-hooks'] },
      ['assume:hook-id:taskcluster/nightly-diagnostics'],
      ['assume:hook-id:taskcluster/nightly-diagnostics', 'queue:create-task:aws-provisioner/taskcluster-hooks'],
    ],
    [
      'only scopes matching long role ids are granted',
      { 'ab*': ['ABSTAR'], aaaaaaaaaaaaa: ['long'], 'ababaabdssafsdcsdcsacwscwcscsesdsd': ['longest'] },
      ['assume:ab*'],
      ['assume:ab*', 'ABSTAR', 'longest'],
    ],
  ]);
});

describe('RoleResolver.expand: parameterized roles', () => {
  const variations = ['b', 'c*', 'd<..>', 'e<..>*', 'f<..>g', 'h<..>i*'];
  expansionTable([
    ['<..> is replaced by the part matched by the star', { 'a*': ['A<..>'] }, ['assume:abc'], ['assume:abc', 'Abc']],
    ['the text after <..> is kept', { 'a*': ['A<..>X'] }, ['assume:abc'], ['assume:abc', 'AbcX']],
    ['the parameter can be empty', { 'a*': ['A<..>X'] }, ['assume:a'], ['assume:a', 'AX']],
    ['a held star scope makes the replacement end in * and cuts the rest', { 'a*': ['A<..>X'] }, ['assume:abc*'], ['assume:abc*', 'Abc*']],
    ['a held star scope shorter than the role prefix replaces <..> by *', { 'abc*': ['ABC<..>DEF'] }, ['assume:a*'], ['assume:a*', 'ABC*']],
    ['a trailing star after <..> is kept for plain parameters', { 'a*': ['A<..>B*'] }, ['assume:a'], ['assume:a', 'AB*']],
    ['a trailing star after <..> is cut for star parameters', { 'a*': ['A<..>B*'] }, ['*'], ['*']],
    ['namespaced roles: a user name', { 'ns:*': ['index:user.<..>.*', 'notify:irc:<..>'] }, ['assume:ns:jonasfj'], ['assume:ns:jonasfj', 'index:user.jonasfj.*', 'notify:irc:jonasfj']],
    ['namespaced roles: every name', { 'ns:*': ['index:user.<..>.*', 'notify:irc:<..>'] }, ['assume:ns:*'], ['assume:ns:*', 'index:user.*', 'notify:irc:*']],
    ['namespaced roles: names with a prefix', { 'ns:*': ['index:user.<..>.*', 'notify:irc:<..>'] }, ['assume:ns:evil*'], ['assume:ns:evil*', 'index:user.evil*', 'notify:irc:evil*']],
    ['a star inside the parameter is literal', { 'A*': variations }, ['assume:AX*X'], ['assume:AX*X', 'b', 'c*', 'dX*X', 'eX*X*', 'fX*Xg', 'hX*Xi*']],
    ['a parameter ending in stars is kept whole', { 'A*': variations }, ['assume:AZZ***'], ['assume:AZZ***', 'b', 'c*', 'dZZ***', 'eZZ***', 'fZZ***', 'hZZ***']],
    ['a star role with a star in its id', { 'B*C*': variations }, ['assume:B*CX'], ['assume:B*CX', 'b', 'c*', 'dX', 'eX*', 'fXg', 'hXi*']],
    ['only the first <..> is a parameter', { 'a*': ['x<..>y<..>'] }, ['assume:aQ'], ['assume:aQ', 'xQy<..>']],
    ['repository roles hand out per-branch scopes', { 'repo:github.com/*': ['secrets:get:repo/<..>/*'] }, ['assume:repo:github.com/org/app:branch:main'], ['assume:repo:github.com/org/app:branch:main', 'secrets:get:repo/org/app:branch:main/*']],
  ]);
});

describe('RoleResolver.expand: parameterized roles granting roles (Taskcluster trie cases)', () => {
  const chain = { 'aa*': ['b<..>C'], bb: ['cYY'], 'c*': ['d**/<..>/'] };
  const acyclic = {
    a: ['START'],
    'aaa*': ['bb<..>BB'],
    'b*': ['ccc<..>*'],
    'cc*': ['dd<..>C'],
    ddcbXBB: ['C'],
    'dd*': ['eee<..>D*'],
    ddXC: ['hello-world', 'you-made-it'],
  };
  const exact = { 'a*': ['A<..>B*'], 'param:*': ['A<..>B'], 'A-123-B': ['GOAL'], ATB: ['TARGET'], 'ATB*': ['TARGET++'], 'AT*': ['prefix'] };
  expansionTable([
    assumeForm('a parameter can be empty and grant nothing further', chain, 'aa', ['bC']),
    assumeForm('a parameter can name a plain role', chain, 'aab', ['bbC']),
    assumeForm('a star parameter grants the roles it covers, and theirs', chain, 'aab*', ['bb*', 'cYY', 'd**/YY/']),
    assumeForm('a short star parameter reaches the same roles', chain, 'a*', ['b*', 'cYY', 'd**/YY/']),
    assumeForm('* reaches every parameterized role with *', chain, '*', ['b*', 'cYY', 'd**/*']),
    assumeForm('acyclic parameterized roles chain through several levels', acyclic, 'aaaX', ['bbXBB', 'cccbXBB*', 'ddcbXBB*', 'C', 'eeecbXBB*']),
    assumeForm('a parameterized scope can name a plain role exactly', acyclic, 'ccX', ['ddXC', 'eeeXCD*', 'hello-world', 'you-made-it']),
    assumeForm('a parameterized chain can reach an exact role', exact, 'a-123-', ['A-123-B*', 'GOAL']),
    assumeForm('a star input reaches plain, star and prefix roles', exact, 'a*', ['A*', 'GOAL', 'prefix', 'TARGET', 'TARGET++']),
    assumeForm('a parameterized role can grant a plain role with a suffix', exact, 'param:T', ['ATB', 'prefix', 'TARGET', 'TARGET++']),
    assumeForm('star roles chain through literal stars', { a: ['b'], b: ['c*'], c: ['d--'], 'd*': ['e*YY'], 'e**': ['f'], f: ['GOAL'] }, 'a', ['b', 'c*', 'd--', 'e*YY', 'f', 'GOAL']),
    assumeForm('a hierarchy of plain and star roles', { a: ['A'], aa: ['AA'], aaa: ['AAA'], 'a*': ['A_'], 'aa*': ['AA_'], 'aaa*': ['AAA_'] }, 'aaa', ['A_', 'AA_', 'AAA_', 'AAA']),
  ]);
});

describe('RoleResolver.expand: cyclic data terminates', () => {
  expansionTable([
    ['a plain cycle reaches a fixpoint', { a: ['assume:b', 'A'], b: ['assume:a', 'B'] }, ['assume:a'], ['assume:a', 'assume:b', 'A', 'B']],
    ['a role holding * expands to *', { root: ['*'] }, ['assume:root'], ['*']],
    ['a role granting itself through a star scope', { abc: ['assume:ab*', 'X'] }, ['assume:abc'], ['assume:ab*', 'X']],
    ['a star role granting a role it covers', { 'ab*': ['assume:abc', 'X'] }, ['assume:ab'], ['assume:ab', 'assume:abc', 'X']],
  ]);

  it('a parameterized role granting itself a longer parameter stops at the length guard', () => {
    const expansion = resolverFor({ 'a*': ['assume:ab<..>'] }).expand(['assume:ax']);
    expect(expansion.length).toBeGreaterThan(100);
    expect(expansion.every(scope => scope.startsWith('assume:a') && scope.length <= 1024)).toBe(true);
  });

  it('two parameterized roles granting each other terminate', () => {
    const expansion = resolverFor({ 'a*': ['assume:b<..>x'], 'b*': ['assume:a<..>'] }).expand(['assume:aQ']);
    expect(expansion).toContain('assume:bQx');
    expect(expansion).toContain('assume:aQx');
  });

  it('a branching parameterized cycle terminates within the derivation budget', () => {
    const started = performance.now();
    const expansion = resolverFor({ 'a*': ['assume:ax<..>', 'assume:ay<..>'] }).expand(['assume:a']);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(expansion).toContain('assume:axy');
  });
});

describe('RoleResolver.expand: caching', () => {
  const roles: RoleTable = { a: ['A', 'assume:b'], b: ['B'] };

  it('a repeated expansion returns an equal but separate array', () => {
    const resolver = resolverFor(roles);
    const first = resolver.expand(['assume:a']);
    first.push('tampered');
    expect(resolver.expand(['assume:a'])).toEqual(['A', 'B', 'assume:a', 'assume:b']);
  });

  it('scopes that grant no role do not leak between cached expansions', () => {
    const resolver = resolverFor(roles);
    expect(resolver.expand(['assume:a', 'x'])).toContain('x');
    const second = resolver.expand(['assume:a', 'y']);
    expect(second).toContain('y');
    expect(second).not.toContain('x');
  });

  it('gives the same answers with the cache disabled', () => {
    expect(resolverFor(roles, 0).expand(['assume:a'])).toEqual(resolverFor(roles).expand(['assume:a']));
  });
});

describe('RoleResolver.grantingRoles', () => {
  const roles: RoleTable = {
    'project:a': ['secrets:get:a/*'],
    admin: ['assume:project:*'],
    team: ['assume:admin'],
    'repo:*': ['secrets:get:repo/<..>'],
    'repo:github.com/*': ['queue:route:<..>.*'],
    ci: ['assume:repo:github.com/org/x'],
    other: ['Q'],
  };
  it.each<[string, string, number | undefined, string[]]>([
    ['names the role holding the scope and every role that reaches it', 'secrets:get:a/x', undefined, ['admin', 'project:a', 'team']],
    ['stops at the limit', 'secrets:get:a/x', 1, ['admin']],
    ['names a star role by its own id', 'secrets:get:repo/anything', undefined, ['repo:*']],
    ['names a plain role that reaches a parameterized role', 'queue:route:org/x.build', undefined, ['ci', 'repo:*', 'repo:github.com/*']],
    ['counts the assume scope itself as part of the expansion', 'assume:project:a', undefined, ['admin', 'project:a', 'team']],
    ['is empty when no role grants the scope', 'hooks:trigger-hook:x', undefined, []],
  ])('%s', (_title, scope, limit, expected) => {
    expect(resolverFor(roles).grantingRoles(scope, limit)).toEqual(expected);
  });
});

describe('findRoleCycle', () => {
  it.each<[string, RoleTable, string[] | null]>([
    ['no roles have no cycle', {}, null],
    ['independent roles have no cycle', { a: ['A'], b: ['B'], c: ['C'] }, null],
    ['a DAG has no cycle', { a: ['assume:c'], b: ['assume:c'], c: ['assume:e'] }, null],
    ['a cycle is reported in order, back to its start', { a: ['assume:c'], b: ['assume:c'], c: ['assume:a'] }, ['a', 'c', 'a']],
    ['a longer cycle is listed role by role', { x: ['assume:y'], y: ['assume:z'], z: ['assume:x'] }, ['x', 'y', 'z', 'x']],
    ['star roles in a DAG have no cycle', { 'a*': ['assume:c'], 'b*': ['assume:c'], 'c*': ['assume:e'] }, null],
    ['star roles can form a cycle', { 'a*': ['assume:c'], 'b*': ['assume:c'], 'c*': ['assume:a'] }, ['a*', 'c*', 'a*']],
    ['a held star scope creates edges to every role it covers', { a: ['assume:b*'], bc: ['assume:a'] }, ['a', 'bc', 'a']],
    ['a plain role granting itself is not a cycle', { abc: ['assume:abc'] }, null],
    ['a role holding * is not a cycle', { root: ['*'], other: ['X'] }, null],
    ['a role granting itself through a star scope is not a cycle', { abc: ['assume:ab*'] }, null],
    ['a star role granting a role it covers is not a cycle', { 'ab*': ['assume:abc*'] }, null],
    ['a chain that does not close has no cycle', { abc: ['assume:def'], def: ['assume:ghi'], ghi: ['assume:jkl'], jkl: ['assume:abcd'] }, null],
    ['star roles in a chain that does not close', { abc: ['assume:d*'], def: ['assume:ghi'], 'g*': ['assume:jkl'], jkl: ['assume:ab'] }, null],
    ['parameterized roles in a DAG have no cycle', { 'a*': ['assume:c<..>A'], 'b*': ['assume:c<..>B*'], 'c*': ['assume:e<..>'] }, null],
    ['<..> counts as * (1)', { 'a*': ['assume:c<..>A'], 'b*': ['assume:c<..>B*'], 'c*': ['assume:a<..>'] }, ['a*', 'c*', 'a*']],
    ['<..> counts as * (2)', { 'a*': ['assume:c<..>A'], 'b*': ['assume:c<..>B*'], 'c*': ['assume:b<..>'] }, ['b*', 'c*', 'b*']],
    ['<..> counts as * (3)', { 'a*': ['assume:c<..>A'], 'b*': ['assume:c<..>B*'], 'c*': ['assume:<..>'] }, ['a*', 'c*', 'a*']],
    ['a plain scope can close a parameterized cycle', { 'a*': ['assume:c<..>A'], 'b*': ['assume:c<..>B*'], 'c*': ['assume:b'] }, ['b*', 'c*', 'b*']],
    ['two parameterized roles granting each other', { 'a*': ['assume:b<..>x'], 'b*': ['assume:a<..>'] }, ['a*', 'b*', 'a*']],
    ['a parameterized scope shorter than the role it reaches', { 'a*': ['assume:b<..>x'], 'bstuff*': ['assume:a<..>'] }, ['a*', 'bstuff*', 'a*']],
    ['a parameterized scope longer than the role it reaches', { 'a*': ['assume:bstuff<..>x'], 'b*': ['assume:a<..>'] }, ['a*', 'b*', 'a*']],
    ['parameters that never lead back have no cycle', { 'bb*': ['assume:cd<..>'], 'cde*': ['assume:de<..>x'], 'd*': ['assume:b'] }, null],
    ['parameters that lead back form a cycle', { 'b*': ['assume:cd<..>'], 'cde*': ['assume:de<..>x'], 'd*': ['assume:bx'] }, ['b*', 'cde*', 'd*', 'b*']],
  ])('%s', (_title, roles, expected) => {
    expect(findRoleCycle(definitions(roles))).toEqual(expected);
  });

  it('checks a 10,000-role chain without quadratic work', () => {
    const roles = Array.from({ length: 10_000 }, (_, i) => ({ roleId: `r${i}`, scopes: [`assume:r${i + 1}`, 'X'] }));
    const started = performance.now();
    expect(findRoleCycle(roles)).toBeNull();
    // Linear takes milliseconds; quadratic would take minutes. The bound is loose for a loaded
    // machine: the speed itself is bench/auth's business.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('finds a 10,000-role ring without running out of stack', () => {
    const roles = Array.from({ length: 10_000 }, (_, i) => ({ roleId: `r${i}`, scopes: [`assume:r${(i + 1) % 10_000}`] }));
    const cycle = findRoleCycle(roles);
    expect(cycle).toHaveLength(10_001);
    expect(cycle?.[0]).toBe(cycle?.[10_000]);
  });
});

describe('validateRoleDefinition', () => {
  it.each<[string, RoleDefinition]>([
    ['a plain role', { roleId: 'project:a', scopes: ['secrets:get:a/*', 'assume:other'] }],
    ['a star role with a parameter', { roleId: 'repo:*', scopes: ['secrets:get:<..>/*', 'queue:route:<..>'] }],
    ['a parameter followed by a star', { roleId: 'a*', scopes: ['assume:b<..>*', 'assume:b<..>c*'] }],
    ['a plain role whose scopes mention <..> twice (literal there)', { roleId: 'p', scopes: ['x<..>y<..>'] }],
    ['a star role granting a role it covers with a plain scope', { roleId: 'a*', scopes: ['assume:ab'] }],
  ])('accepts %s', (_title, role) => {
    expect(validateRoleDefinition(role)).toBeNull();
  });

  it.each<[string, RoleDefinition, string]>([
    ['a scope with a non-ASCII character', { roleId: 'p', scopes: ['café'] }, 'printable ASCII'],
    ["a scope ending in '**'", { roleId: 'p', scopes: ['queue:**'] }, "ends in '**'"],
    ["a role id ending in '**'", { roleId: 'p**', scopes: [] }, 'roleId "p**" is invalid'],
    ['two parameters in one scope', { roleId: 'a*', scopes: ['assume:b<..>c<..>'] }, "more than one '<..>'"],
    ["a scope ending in '*<..>'", { roleId: 'a*', scopes: ['assume:b*<..>'] }, "ends with '*<..>'"],
    ['a parameter that grants its own role again', { roleId: 'a*', scopes: ['assume:ab<..>'] }, 'can grant role "a*" again'],
    ['a parameter with a suffix that grants its own role again', { roleId: 'a*', scopes: ['assume:a<..>x'] }, 'can grant role "a*" again'],
    ['a parameter after a partial "assume:"', { roleId: 'b*', scopes: ['as<..>'] }, 'can grant role "b*" again'],
  ])('refuses %s', (_title, role, message) => {
    expect(validateRoleDefinition(role)).toContain(message);
  });
});

/**
 * Differential test: the resolver (index, memoized steps, star-coverage shortcuts, cache) must
 * agree with a direct reading of the rules, iterated to a fixpoint, on random acyclic role sets.
 */
describe('RoleResolver agrees with a direct fixpoint of the rules', () => {
  function directGrants(scope: string, { roleId, scopes }: RoleDefinition): string[] {
    const pattern = `assume:${roleId}`;
    const heldStar = scope.endsWith('*');
    const body = heldStar ? scope.slice(0, -1) : scope;
    if (!roleId.endsWith('*')) {
      return scope === pattern || (heldStar && pattern.startsWith(body)) ? [...scopes] : [];
    }
    const prefix = pattern.slice(0, -1);
    let parameter: string;
    if (body.startsWith(prefix)) parameter = scope.slice(prefix.length);
    else if (heldStar && prefix.startsWith(body)) parameter = '*';
    else return [];
    return scopes.map(s => {
      const at = s.indexOf('<..>');
      if (at < 0) return s;
      return parameter.endsWith('*') ? s.slice(0, at) + parameter : s.slice(0, at) + parameter + s.slice(at + 4);
    });
  }

  function directExpand(roles: RoleDefinition[], input: string[]): string[] {
    const held = new Set(input);
    for (let round = 0, changed = true; changed; round++) {
      if (round > 100) throw new Error('direct fixpoint did not converge');
      changed = false;
      for (const scope of [...held]) {
        for (const role of roles) {
          for (const granted of directGrants(scope, role)) {
            if (!held.has(granted)) {
              held.add(granted);
              changed = true;
            }
          }
        }
      }
    }
    return normalizeScopes([...held]);
  }

  function randomRoleSet(random: () => number): RoleDefinition[] {
    const pick = <T,>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const word = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(['a', 'b', 'c'])).join('');
    const scope = (star: boolean) => {
      const body = random() < 0.75 ? `assume:${word()}` : pick(['S:', 'T:']) + word();
      const parameter = star && random() < 0.5 ? `<..>${random() < 0.5 ? word() : ''}` : '';
      return `${body}${parameter}${random() < 0.25 ? '*' : ''}`;
    };
    const roles = new Map<string, RoleDefinition>();
    const count = 2 + Math.floor(random() * 6);
    while (roles.size < count) {
      const star = random() < 0.4;
      const roleId = `${word()}${star ? '*' : ''}`;
      roles.set(roleId, { roleId, scopes: Array.from({ length: 1 + Math.floor(random() * 3) }, () => scope(star)) });
    }
    return [...roles.values()];
  }

  it('on 1,500 random role sets and inputs', () => {
    const random = seededRandom(42);
    const inputs = ['*', 'a*', 'assume*', 'assume:*', 'assume:a', 'assume:ab', 'assume:a*', 'assume:b*', 'assume:abc', 'assume:cab*', 'assume:ba'];
    let checked = 0;
    let nonTrivial = 0;
    while (checked < 1500) {
      const roles = randomRoleSet(random);
      if (findRoleCycle(roles) !== null || roles.some(role => validateRoleDefinition(role) !== null)) continue;
      const resolver = new RoleResolver(roles);
      for (const input of [[inputs[checked % inputs.length]], [inputs[(checked * 7) % inputs.length], 'assume:c']]) {
        const expected = directExpand(roles, input);
        expect(resolver.expand(input), JSON.stringify({ roles, input })).toEqual(expected);
        if (expected.length > input.length) nonTrivial++;
      }
      const scope = pick(roles.flatMap(role => directExpand(roles, [`assume:${role.roleId}`])));
      const granting = roles.filter(role => satisfies(directExpand(roles, [`assume:${role.roleId}`]), [scope])).map(role => role.roleId);
      expect(resolver.grantingRoles(scope, Infinity), JSON.stringify({ roles, scope })).toEqual(granting.sort());
      checked++;
    }
    expect(nonTrivial).toBeGreaterThan(500);

    function pick(scopes: string[]): string {
      return scopes[Math.floor(random() * scopes.length)] ?? 'S:a';
    }
  });
});

// The worker is a GraphQL client that imports nothing of the gateway: each document it sends
// is checked here against the checked-in schema, so the two cannot drift apart.
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DOCUMENTS } from '../../workers/graphql/documents';

const schema = buildSchema(fs.readFileSync(path.join(__dirname, '..', '..', 'gateway', 'schema.graphql'), 'utf8'));

describe('the worker’s GraphQL documents', () => {
  it.each(Object.entries(DOCUMENTS))('%s is valid against gateway/schema.graphql', (_name, document) => {
    expect(validate(schema, parse(document)).map((error) => error.message)).toEqual([]);
  });

  it('imports nothing of entities/ or gateway/', () => {
    const dir = path.join(__dirname, '..', '..', 'workers');
    const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      expect(source, file).not.toMatch(/from '\.\.\/+(\.\.\/)*(entities|gateway|cron|test)\//);
    }
  });
});

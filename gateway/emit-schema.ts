// Writes gateway/schema.graphql (`npm run schema:emit`). CI fails when the file drifts.
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildGatewaySchema } from './schema';

export async function emitSchema(file = path.join(__dirname, 'schema.graphql')): Promise<string> {
  const schema = await buildGatewaySchema();
  const text = `${printSchema(lexicographicSortSchema(schema))}\n`;
  fs.writeFileSync(file, text);
  return file;
}

if (require.main === module) {
  emitSchema().then((file) => console.log(`wrote ${path.relative(process.cwd(), file)}`));
}

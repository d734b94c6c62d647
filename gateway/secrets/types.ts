// GraphQL types of the secrets area. The value is never a plain field: it is resolved through
// `secretValue`, which checks `secrets:get:<name>` for whoever asks.
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, InputType, ObjectType } from 'type-graphql';
import { connectionType } from '../common/connection';

@InputType('SecretInput', { description: 'A secret’s value and expiry.' })
export class SecretInput {
  @Field(() => JSONResolver, { description: 'The value: a JSON object (up to 1 MiB as JSON). Stored encrypted; never echoed in errors.' })
  secret!: unknown;

  @Field(() => DateTimeResolver, { description: 'When it expires (in the future); afterwards it reads as not found and is deleted.' })
  expires!: Date;
}

@ObjectType('Secret', { description: 'A named JSON object, encrypted at rest (AES-256-GCM). Reading it needs `secrets:get:<name>`.' })
export class SecretType {
  @Field(() => String, { description: 'The name; may contain `/` (e.g. `project/ci/deploy-token`).' })
  name!: string;

  @Field(() => DateTimeResolver, { description: 'When it expires; afterwards it reads as not found.' })
  expires!: Date;

  @Field(() => DateTimeResolver, { description: 'When it was first set (again after it had expired).' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'When it was last set.' })
  lastModified!: Date;
}

@ObjectType('SecretSummary', { description: 'What a listing shows of a secret: its name, never its value.' })
export class SecretSummaryType {
  @Field(() => String, { description: 'The name.' })
  name!: string;
}

export const SecretSummaryConnection = connectionType(SecretSummaryType, 'SecretSummary', 'secret name');

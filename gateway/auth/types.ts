// GraphQL types of the auth area. Separate from the TypeORM entities: only what is declared
// here reaches the API (the access token hash never does).
import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType, ObjectType } from 'type-graphql';
import { connectionType } from '../common/connection';

@ObjectType('Client', { description: 'A client: an identity that signs in with an access token and holds scopes.' })
export class ClientType {
  @Field(() => String, { description: 'The client’s id, as used in `Bearer <clientId>:<accessToken>`.' })
  clientId!: string;

  @Field(() => String, { description: 'What the client is for (Markdown).' })
  description!: string;

  @Field(() => [String], { description: 'Scopes given to the client directly.' })
  scopes!: string[];

  @Field(() => [String], { description: 'The client’s scopes with every role it can assume expanded.' })
  expandedScopes!: string[];

  @Field(() => DateTimeResolver, { description: 'After this time the client can no longer authenticate.' })
  expires!: Date;

  @Field(() => Boolean, { description: 'A disabled client cannot authenticate.' })
  disabled!: boolean;

  @Field(() => Boolean, { description: 'Delete the client once it has expired.' })
  deleteOnExpiration!: boolean;

  @Field(() => DateTimeResolver, { description: 'When the client was created.' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'When the client was last changed.' })
  lastModified!: Date;

  @Field(() => DateTimeResolver, { description: 'When the client last authenticated (kept to within six hours).' })
  lastDateUsed!: Date;

  @Field(() => DateTimeResolver, { description: 'When the access token was last reset.' })
  lastRotated!: Date;
}

@ObjectType({ description: 'A client just created or whose token was just reset: the only time its access token is shown.' })
export class CreatedClient extends ClientType {
  @Field(() => String, { description: 'The access token. Shown once: store it now.' })
  accessToken!: string;
}

@InputType({ description: 'A new client.' })
export class ClientInput {
  @Field(() => [String], { defaultValue: [], description: 'Scopes to give the client; the caller must hold each of them.' })
  scopes!: string[];

  @Field(() => String, { defaultValue: '', description: 'What the client is for (Markdown).' })
  description!: string;

  @Field(() => DateTimeResolver, { description: 'When the client stops working.' })
  expires!: Date;

  @Field(() => Boolean, { defaultValue: false, description: 'Delete the client once it has expired.' })
  deleteOnExpiration!: boolean;
}

@InputType({ description: 'Changes to a client; fields left out stay as they are.' })
export class ClientUpdateInput {
  @Field(() => [String], { nullable: true, description: 'The new scopes; the caller must hold those the client did not have.' })
  scopes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'The new description.' })
  description?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'The new expiry.' })
  expires?: Date | null;

  @Field(() => Boolean, { nullable: true, description: 'Delete the client once it has expired.' })
  deleteOnExpiration?: boolean | null;
}

@ObjectType('Role', { description: 'A role: scopes granted to whoever holds `assume:<roleId>`.' })
export class RoleType {
  @Field(() => String, {
    description: 'The role’s id. One ending in `*` applies to every `assume:` scope it matches, with `<..>` in its scopes replaced by the matched part.',
  })
  roleId!: string;

  @Field(() => [String], { description: 'Scopes the role grants directly.' })
  scopes!: string[];

  @Field(() => [String], { description: 'Everything holding `assume:<roleId>` grants, with roles expanded.' })
  expandedScopes!: string[];

  @Field(() => String, { description: 'What the role is for (Markdown).' })
  description!: string;

  @Field(() => DateTimeResolver, { description: 'When the role was created.' })
  created!: Date;

  @Field(() => DateTimeResolver, { description: 'When the role was last changed.' })
  lastModified!: Date;
}

@InputType({ description: 'A role’s scopes and description.' })
export class RoleInput {
  @Field(() => [String], { description: 'Scopes the role grants; the caller must hold each one it adds (`<..>` counts as `*`).' })
  scopes!: string[];

  @Field(() => String, { nullable: true, description: 'What the role is for (Markdown).' })
  description?: string | null;
}

@ObjectType('ScopeHolders', { description: 'Who holds a scope: the scope inspector’s answer.' })
export class ScopeHoldersType {
  @Field(() => String, { description: 'The scope asked about.' })
  scope!: string;

  @Field(() => [String], { description: 'Roles whose expansion satisfies the scope (holding `assume:<roleId>` grants it).' })
  roles!: string[];

  @Field(() => [String], { description: 'Clients whose expanded scopes satisfy the scope.' })
  clients!: string[];

  @Field(() => Boolean, { description: 'A list was cut at the limit.' })
  truncated!: boolean;
}

@ObjectType('TemporaryCredentials', { description: 'Temporary credentials: use all three fields, e.g. as base64url JSON in `Bearer …`.' })
export class TemporaryCredentialsType {
  @Field(() => String, { description: 'The client the credentials act as.' })
  clientId!: string;

  @Field(() => String, { description: 'The temporary access token.' })
  accessToken!: string;

  @Field(() => String, { description: 'The certificate’s JSON text, as Taskcluster’s temporary credentials carry it.' })
  certificate!: string;

  @Field(() => DateTimeResolver, { description: 'When the credentials start working.' })
  start!: Date;

  @Field(() => DateTimeResolver, { description: 'When the credentials stop working.' })
  expiry!: Date;
}

@ObjectType({ description: 'Who the caller is.' })
export class WhoAmI {
  @Field(() => String, { nullable: true, description: 'The caller’s clientId; null without credentials.' })
  clientId!: string | null;

  @Field(() => [String], { description: 'The caller’s scopes, expanded.' })
  scopes!: string[];

  @Field(() => Boolean, { description: 'The caller signed in with temporary credentials.' })
  temporary!: boolean;
}

@ObjectType('RoleChange', { description: 'A role was created, updated or deleted.' })
export class RoleChangeType {
  @Field(() => String, { description: 'The role that changed.' })
  roleId!: string;

  @Field(() => String, { description: '`created`, `updated` or `deleted`.' })
  change!: string;
}

export const ClientConnection = connectionType(ClientType, 'Client', 'client');
export const RoleConnection = connectionType(RoleType, 'Role', 'role');

// Secrets resolvers: each is input → one command → output type.
import { JSONObjectResolver } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { deleteSecret, listSecrets, secretValue, setSecret, type SecretView } from '../../entities/secrets/commands';
import type { GatewayContext } from '../context';
import { PageArgsInput, toConnection } from '../common/connection';
import { SecretInput, SecretSummaryConnection, SecretType } from './types';

const NAME_ARG = { description: 'The secret’s name (1–255 printable ASCII characters; `/` is fine).' };
const same = <T>(x: T) => x;

@Resolver()
export class SecretsResolver {
  @Query(() => SecretType, { nullable: true, description: 'A secret, or null if there is none or it expired. Needs `secrets:get:<name>`.' })
  secret(@Ctx() ctx: GatewayContext, @Arg('name', () => String, NAME_ARG) name: string) {
    return ctx.loaders.secret.load(name);
  }

  @Query(() => SecretSummaryConnection, { description: 'Names of live secrets in name order, never values. Needs `secrets:list-secrets`.' })
  async secrets(
    @Ctx() ctx: GatewayContext,
    @Args(() => PageArgsInput) page: PageArgsInput,
    @Arg('prefix', () => String, { nullable: true, description: 'Only secrets whose name starts with this.' }) prefix?: string | null,
  ) {
    return toConnection(await listSecrets(ctx, { ...page, prefix }), (s) => s.name, same);
  }

  @Mutation(() => SecretType, { description: 'Creates or replaces a secret. Needs `secrets:set:<name>`.' })
  setSecret(
    @Ctx() ctx: GatewayContext,
    @Arg('name', () => String, NAME_ARG) name: string,
    @Arg('secret', () => SecretInput, { description: 'The value and expiry.' }) secret: SecretInput,
  ) {
    return setSecret(ctx, { name, secret });
  }

  @Mutation(() => Boolean, { description: 'Deletes a secret (succeeds if it is already gone). Needs `secrets:set:<name>`.' })
  deleteSecret(@Ctx() ctx: GatewayContext, @Arg('name', () => String, NAME_ARG) name: string) {
    return deleteSecret(ctx, { name });
  }
}

@Resolver(() => SecretType)
export class SecretFieldsResolver {
  @FieldResolver(() => JSONObjectResolver, { description: 'The value, a JSON object. Needs `secrets:get:<name>`.' })
  secret(@Ctx() ctx: GatewayContext, @Root() view: SecretView) {
    return secretValue(ctx, view);
  }
}

/**
 * The kinds of provider the gateway can route to, one entry each: its environment variables, the
 * rules of its providers-file entries and its factory (see `provider-kind.ts`). A new kind is a file
 * in this folder declaring its `ProviderKind` and one line here. (The providers registered at run
 * time, with their state, are `../provider-registry.ts`.)
 */
import { anthropicKind } from './anthropic.js';
import { azureOpenAIKind } from './azure-openai.js';
import { lmstudioKind } from './lmstudio.js';
import { openaiKind } from './openai.js';
import { openaiCompatibleKind } from './openai-compatible.js';
import type { ProviderKind } from './provider-kind.js';

/** In the order the providers file's `type` lists them in its error message. */
export const PROVIDER_KINDS = [
  openaiKind,
  openaiCompatibleKind,
  lmstudioKind,
  azureOpenAIKind,
  anthropicKind,
] as const;

type Kind = (typeof PROVIDER_KINDS)[number];
export type ProviderType = Kind['type'];
export const PROVIDER_TYPES: readonly ProviderType[] = PROVIDER_KINDS.map((kind) => kind.type);

type SettingsOf<K> = K extends ProviderKind<string, infer Settings> ? Settings : never;

/** Each environment-configured kind's settings, by type (what its variables give, or set directly). */
export type ProviderEnvironmentSettings = {
  [K in Kind as [SettingsOf<K>] extends [never] ? never : K['type']]?: SettingsOf<K>;
};

const byType: ReadonlyMap<string, ProviderKind> = new Map(PROVIDER_KINDS.map((kind) => [kind.type, kind]));

export function providerKind(type: string): ProviderKind | undefined {
  return byType.get(type);
}

/** The kinds configured by environment variables, in their default priority order. */
export const ENVIRONMENT_KINDS = PROVIDER_KINDS.flatMap(
  ({ type, environment }: ProviderKind<ProviderType>) =>
    environment === undefined ? [] : [{ type, environment }],
).sort((a, b) => a.environment.rank - b.environment.rank);

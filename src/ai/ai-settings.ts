/**
 * AI provider settings: the per-vendor settings of each provider kind (from its environment
 * variables, read by `ai-config.ts`) plus an optional providers file (JSON or YAML) listing several
 * deployments, validated into one list of provider definitions. Every problem is collected so that
 * the operator sees all of them at once. Pure: the caller reads the environment and the file.
 */

import { isHttpUrl, parseProvidersFile } from './ai-providers-file.js';
import type { RegisterProviderOptions } from './provider-registry.js';
import type { AIProvider } from './providers/provider.js';
import type { ProviderDefinition } from './providers/provider-kind.js';
import { ENVIRONMENT_KINDS, type ProviderEnvironmentSettings, providerKind } from './providers/registry.js';
import { isRoutingStrategyName, ROUTING_STRATEGIES, type RoutingStrategyName } from './routing-strategies.js';

export type { ProviderDefinition } from './providers/provider-kind.js';

/** Per-vendor settings by provider type (`openai: { apiKey }`…), the strategy and the providers file. */
export interface AiSettingsInput extends ProviderEnvironmentSettings {
  routingStrategy?: string;
  /** The providers file's text; `source` names it in error messages. */
  providersFile?: { text: string; source?: string };
  /** Variables that `apiKeyEnv` entries of the providers file may name. */
  env?: Record<string, string | undefined>;
}

export interface AiSettings {
  strategy: RoutingStrategyName;
  providers: ProviderDefinition[];
}

export class AiSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid AI provider settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'AiSettingsError';
  }
}

function fromEnvironmentSettings(input: AiSettingsInput, problems: string[]): ProviderDefinition[] {
  const base = { priority: 0, weight: 1, models: [], aliases: {}, timeouts: {} };
  return ENVIRONMENT_KINDS.flatMap(({ type, environment }) => {
    const settings = input[type as keyof ProviderEnvironmentSettings];
    const defined = settings === undefined ? undefined : environment.define(settings, problems);
    return defined === undefined ? [] : [{ ...base, name: type, type, ...defined }];
  });
}

/** Validated provider definitions, in default priority order; throws `AiSettingsError` listing every problem. */
export function resolveAiSettings(input: AiSettingsInput): AiSettings {
  const problems: string[] = [];
  const simple = fromEnvironmentSettings(input, problems);
  const file = parseProvidersFile(input.providersFile, input.env ?? {}, problems);
  const providers = [...simple, ...file.providers].map((definition, index) => ({
    ...definition,
    priority: Number.isNaN(definition.priority) || simple.includes(definition) ? index : definition.priority,
  }));
  const seen = new Set<string>();
  for (const { name } of providers) {
    if (name !== '' && seen.has(name)) problems.push(`AI provider "${name}" is defined twice`);
    seen.add(name);
  }
  for (const { name, baseUrl, type } of simple) {
    if (baseUrl !== undefined && !isHttpUrl(baseUrl))
      problems.push(`${type} base URL of "${name}" is not an http(s) URL`);
  }
  const strategy = input.routingStrategy ?? file.strategy ?? 'priority';
  if (!isRoutingStrategyName(strategy)) {
    problems.push(
      `routing strategy "${strategy}" is invalid: expected one of ${ROUTING_STRATEGIES.join(', ')}`,
    );
  }
  if (problems.length > 0) throw new AiSettingsError(problems);
  return { strategy: strategy as RoutingStrategyName, providers };
}

export interface ProviderRegistration {
  name: string;
  provider: AIProvider;
  options: RegisterProviderOptions;
}

/** One provider instance per definition, ready for `router.registerProvider(name, provider, options)`. */
export function createProvidersFromSettings(settings: AiSettings): ProviderRegistration[] {
  return settings.providers.map((definition) => {
    const kind = providerKind(definition.type);
    if (kind === undefined) throw new Error(`AI provider "${definition.name}" has an unknown type`);
    const provider = kind.create(definition);
    const { models } = definition;
    const options: RegisterProviderOptions = {
      priority: definition.priority,
      weight: definition.weight,
      models: models.length > 0 ? models : (kind.defaultModels?.(definition) ?? []),
      aliases: definition.aliases,
    };
    if (definition.defaultModel !== undefined) options.defaultModel = definition.defaultModel;
    if (definition.maxConcurrency !== undefined) options.maxConcurrency = definition.maxConcurrency;
    return { name: definition.name, provider, options };
  });
}

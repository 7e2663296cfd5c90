/**
 * AI provider settings: the simple per-vendor settings (from environment variables, read by
 * config.ts) plus an optional providers file (JSON or YAML) listing several deployments, validated
 * into one list of provider definitions. Every problem is collected so that the operator sees all
 * of them at once. Pure: the caller reads the environment and the file.
 */

import { isHttpUrl, type ProviderDefinition, parseProvidersFile } from './ai-providers-file.js';
import type { RegisterProviderOptions } from './provider-registry.js';
import { AnthropicProvider } from './providers/anthropic.js';
import { AzureOpenAIProvider } from './providers/azure-openai.js';
import { LMStudioProvider } from './providers/lmstudio.js';
import { OpenAIProvider } from './providers/openai.js';
import { OpenAICompatibleProvider } from './providers/openai-compatible.js';
import type { AIProvider } from './providers/provider.js';
import { isRoutingStrategyName, ROUTING_STRATEGIES, type RoutingStrategyName } from './routing-strategies.js';

export { PROVIDER_TYPES, type ProviderDefinition, type ProviderType } from './ai-providers-file.js';

export interface AiSettingsInput {
  lmstudio?: { enabled?: boolean; baseUrl?: string };
  openai?: { enabled?: boolean; apiKey?: string; baseUrl?: string };
  anthropic?: { apiKey?: string; baseUrl?: string; models?: string[] };
  /** `deployments` as `model=deployment,…` (a bare name serves the model of the same name) or a map. */
  azure?: {
    endpoint?: string;
    apiKey?: string;
    apiVersion?: string;
    deployments?: string | Record<string, string>;
  };
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

export function parseDeployments(text: string): Record<string, string> {
  const pairs = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return Object.fromEntries(
    pairs.map((pair) => {
      const [model = '', deployment = model] = pair.split('=').map((part) => part.trim());
      return [model, deployment];
    }),
  );
}

function fromSimpleSettings(input: AiSettingsInput, problems: string[]): ProviderDefinition[] {
  const out: ProviderDefinition[] = [];
  const base = { priority: 0, weight: 1, models: [], aliases: {}, timeouts: {} };
  if (input.lmstudio?.enabled) {
    out.push({
      ...base,
      name: 'lmstudio',
      type: 'lmstudio',
      baseUrl: input.lmstudio.baseUrl,
      apiKey: undefined,
    });
  }
  const openai = input.openai;
  if (openai?.enabled ?? openai?.apiKey !== undefined) {
    if (!openai?.apiKey) problems.push('OpenAI is enabled but has no API key');
    out.push({ ...base, name: 'openai', type: 'openai', baseUrl: openai?.baseUrl, apiKey: openai?.apiKey });
  }
  if (input.anthropic?.apiKey) {
    const { apiKey, baseUrl, models = [] } = input.anthropic;
    out.push({ ...base, name: 'anthropic', type: 'anthropic', baseUrl, apiKey, models });
  }
  const azure = input.azure;
  if (azure && (azure.endpoint || azure.apiKey || azure.deployments)) {
    const deployments =
      typeof azure.deployments === 'string' ? parseDeployments(azure.deployments) : azure.deployments;
    const missing = [
      azure.endpoint ? undefined : 'an endpoint',
      azure.apiKey ? undefined : 'an API key',
      deployments && Object.keys(deployments).length > 0 ? undefined : 'deployments',
    ].filter((item) => item !== undefined);
    if (missing.length > 0)
      problems.push(`Azure OpenAI is partly configured: it needs ${missing.join(', ')}`);
    out.push({
      ...base,
      name: 'azure-openai',
      type: 'azure-openai',
      baseUrl: azure.endpoint,
      apiKey: azure.apiKey,
      apiVersion: azure.apiVersion,
      deployments: deployments ?? {},
    });
  }
  return out;
}

/** Validated provider definitions, in default priority order; throws `AiSettingsError` listing every problem. */
export function resolveAiSettings(input: AiSettingsInput): AiSettings {
  const problems: string[] = [];
  const simple = fromSimpleSettings(input, problems);
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
    const { name, baseUrl, apiKey, timeouts, maxResponseBytes, models } = definition;
    const common = { name, timeouts, maxResponseBytes, models };
    const provider: AIProvider =
      definition.type === 'openai'
        ? new OpenAIProvider({ ...common, apiKey: apiKey ?? '', baseUrl })
        : definition.type === 'lmstudio'
          ? new LMStudioProvider({ ...common, baseUrl, apiKey })
          : definition.type === 'openai-compatible'
            ? new OpenAICompatibleProvider({ ...common, baseUrl: baseUrl ?? '', apiKey })
            : definition.type === 'anthropic'
              ? new AnthropicProvider({
                  ...common,
                  apiKey: apiKey ?? '',
                  baseUrl,
                  defaultModel: definition.defaultModel,
                })
              : new AzureOpenAIProvider({
                  name,
                  timeouts,
                  maxResponseBytes,
                  endpoint: baseUrl ?? '',
                  apiKey: apiKey ?? '',
                  apiVersion: definition.apiVersion,
                  deployments: definition.deployments ?? {},
                });
    const azureModels = definition.type === 'azure-openai' ? Object.keys(definition.deployments ?? {}) : [];
    const options: RegisterProviderOptions = {
      priority: definition.priority,
      weight: definition.weight,
      models: models.length > 0 ? models : azureModels,
      aliases: definition.aliases,
    };
    if (definition.defaultModel !== undefined) options.defaultModel = definition.defaultModel;
    if (definition.maxConcurrency !== undefined) options.maxConcurrency = definition.maxConcurrency;
    return { name, provider, options };
  });
}

/**
 * The optional providers file (`AI_PROVIDERS_FILE`, JSON or YAML): several deployments with type,
 * base URL, key, priority, weight, models, aliases, timeouts and concurrency limit. Unknown settings are reported
 * (a typo must not silently fall back to a default). What an entry of a type needs beyond the common
 * settings is its kind's `providersFile` rule (declared in its provider's file, listed in
 * `providers/registry.ts`).
 */
import { parse as parseYaml } from 'yaml';
import type { HttpTimeouts } from './providers/http-transport.js';
import type { ProviderDefinition } from './providers/provider-kind.js';
import { PROVIDER_TYPES, providerKind } from './providers/registry.js';

const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;
const FILE_KEYS = new Set([
  'name',
  'type',
  'baseUrl',
  'endpoint',
  'apiKey',
  'apiKeyEnv',
  'apiVersion',
  'deployments',
  'priority',
  'weight',
  'models',
  'aliases',
  'defaultModel',
  'timeouts',
  'maxResponseBytes',
  'maxConcurrency',
]);
const TIMEOUT_KEYS = ['connectMs', 'headersMs', 'idleMs', 'totalMs'] as const;

type Raw = Record<string, unknown>;
const isRaw = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function fromFileEntry(
  raw: unknown,
  where: string,
  env: Record<string, string | undefined>,
  problems: string[],
) {
  if (!isRaw(raw)) return void problems.push(`${where} must be an object`);
  const problem = (field: string, text: string) => problems.push(`${where}.${field} ${text}`);
  for (const key of Object.keys(raw)) if (!FILE_KEYS.has(key)) problem(key, 'is not a known setting');
  const str = (field: string): string | undefined => {
    const value = raw[field];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    return void problem(field, 'must be a non-empty string');
  };
  const num = (field: string, min: number, fallback: number | undefined): number | undefined => {
    const value = raw[field];
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
    return void problem(field, `must be a number ≥ ${min}`);
  };
  const strings = (field: string): string[] => {
    const value = raw[field] ?? [];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')) return value;
    problem(field, 'must be a list of model names');
    return [];
  };
  const map = (field: string): Record<string, string> => {
    const value = raw[field] ?? {};
    if (isRaw(value) && Object.values(value).every((item) => typeof item === 'string' && item !== '')) {
      return value as Record<string, string>;
    }
    problem(field, 'must map names to names');
    return {};
  };

  const name = str('name');
  if (name === undefined) problem('name', 'is required');
  else if (!NAME.test(name)) problem('name', `"${name}" must be letters, digits, '.', '_' or '-'`);
  const type = str('type');
  const kind = type === undefined ? undefined : providerKind(type);
  if (kind === undefined) problem('type', `must be one of ${PROVIDER_TYPES.join(', ')}`);
  const baseUrl = str('baseUrl') ?? str('endpoint');
  if (baseUrl !== undefined && !isHttpUrl(baseUrl)) problem('baseUrl', `"${baseUrl}" is not an http(s) URL`);
  const keyEnv = str('apiKeyEnv');
  let apiKey = str('apiKey');
  if (keyEnv !== undefined) {
    apiKey = env[keyEnv]?.trim() || undefined;
    if (apiKey === undefined) problem('apiKeyEnv', `names ${keyEnv}, which is not set`);
  } else if (apiKey === undefined && kind?.providersFile.needsKey) problem('apiKey', 'is required');
  const deployments = map('deployments');
  const kindSettings = kind?.providersFile.check?.({ baseUrl, deployments }, problem);
  const timeouts: Partial<HttpTimeouts> = {};
  const rawTimeouts = raw.timeouts ?? {};
  if (!isRaw(rawTimeouts)) problem('timeouts', 'must be an object');
  else {
    for (const [key, value] of Object.entries(rawTimeouts)) {
      if (!(TIMEOUT_KEYS as readonly string[]).includes(key))
        problem(`timeouts.${key}`, `is not one of ${TIMEOUT_KEYS.join(', ')}`);
      else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        problem(`timeouts.${key}`, 'must be milliseconds ≥ 1');
      else timeouts[key as keyof HttpTimeouts] = value;
    }
  }
  const weight = num('weight', 0, 1);
  if (weight === 0) problem('weight', 'must be above 0');
  const definition: ProviderDefinition = {
    name: name ?? '',
    type: type ?? '',
    baseUrl,
    apiKey,
    priority: num('priority', Number.NEGATIVE_INFINITY, Number.NaN) ?? Number.NaN,
    weight: weight ?? 1,
    models: strings('models'),
    aliases: map('aliases'),
    timeouts,
    ...kindSettings,
  };
  const apiVersion = str('apiVersion');
  if (apiVersion !== undefined) definition.apiVersion = apiVersion;
  const defaultModel = str('defaultModel');
  if (defaultModel !== undefined) definition.defaultModel = defaultModel;
  const maxResponseBytes = num('maxResponseBytes', 1024, undefined);
  if (maxResponseBytes !== undefined) definition.maxResponseBytes = maxResponseBytes;
  const maxConcurrency = num('maxConcurrency', 1, undefined);
  if (maxConcurrency !== undefined) {
    if (Number.isInteger(maxConcurrency)) definition.maxConcurrency = maxConcurrency;
    else problem('maxConcurrency', 'must be an integer ≥ 1');
  }
  return definition;
}

/** The file's provider definitions (priority NaN where the file sets none) and its strategy, if any. */
export function parseProvidersFile(
  file: { text: string; source?: string } | undefined,
  env: Record<string, string | undefined>,
  problems: string[],
): { providers: ProviderDefinition[]; strategy: string | undefined } {
  if (!file) return { providers: [], strategy: undefined };
  const source = file.source ?? 'providers file';
  let document: unknown;
  try {
    document = parseYaml(file.text); // YAML is a superset of JSON: one parser reads both.
  } catch (error) {
    problems.push(`${source} is not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
    return { providers: [], strategy: undefined };
  }
  const list = Array.isArray(document) ? document : isRaw(document) ? document.providers : undefined;
  if (!Array.isArray(list)) {
    problems.push(`${source} must be a list of providers or an object with a "providers" list`);
    return { providers: [], strategy: undefined };
  }
  const strategy = isRaw(document) && typeof document.strategy === 'string' ? document.strategy : undefined;
  const providers = list.flatMap(
    (raw, index) => fromFileEntry(raw, `${source}: providers[${index}]`, env, problems) ?? [],
  );
  return { providers, strategy };
}

/**
 * What the gateway knows about one kind of provider besides its HTTP adapter: the environment
 * variables that configure one of it, the rules of its providers-file entries, and how to build it
 * from a validated definition. Each kind is declared in its provider's own file and listed once in
 * `registry.ts`; nothing outside `ai/providers/` names a kind.
 */
import type { ConfigReader } from '../../config.js';
import type { HttpTimeouts } from './http-transport.js';
import type { AIProvider } from './provider.js';

/** One provider, validated: from a kind's environment variables or from a providers-file entry. */
export interface ProviderDefinition {
  name: string;
  /** A kind of `registry.ts` (`PROVIDER_TYPES`). */
  type: string;
  /** For Azure: the resource endpoint. Undefined: the vendor's default. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  apiVersion?: string;
  deployments?: Record<string, string>;
  priority: number;
  weight: number;
  models: string[];
  aliases: Record<string, string>;
  defaultModel?: string;
  timeouts: Partial<HttpTimeouts>;
  maxResponseBytes?: number;
  /** Calls it takes at once; unset: `AI_PROVIDER_MAX_CONCURRENCY`. */
  maxConcurrency?: number;
  /** Set by the gateway: counts the requests sent once more after a stale connection (metrics). */
  onResend?: () => void;
}

/** What a kind's environment settings define; routing settings get their defaults. */
export type EnvironmentDefinition = Pick<ProviderDefinition, 'baseUrl' | 'apiKey'> &
  Partial<Pick<ProviderDefinition, 'apiVersion' | 'deployments' | 'models'>>;

/** The per-vendor variables of a kind (`OPENAI_API_KEY`…), which configure one provider of it. */
export interface ProviderEnvironment<Settings> {
  /** Default priority among the providers configured this way (lower first: a local server first). */
  readonly rank: number;
  /** Every variable `read` reads; each is documented in README's configuration table (a test checks). */
  readonly variables: readonly string[];
  /**
   * The settings the variables give, or undefined when they configure none. Invalid values are
   * reported on the reader under the variable's name.
   */
  read(reader: ConfigReader): Settings | undefined;
  /**
   * The provider these settings define (named after the kind), or undefined when they define none;
   * settings that cannot make a working provider add a problem.
   */
  define(settings: Settings, problems: string[]): EnvironmentDefinition | undefined;
}

/** The settings of a providers-file entry that its kind checks (after the common ones). */
export interface ProvidersFileEntry {
  /** `baseUrl`, else `endpoint`. */
  baseUrl: string | undefined;
  deployments: Record<string, string>;
}

/** The rules a providers-file entry of a kind follows beyond the settings every entry has. */
export interface ProvidersFileRules {
  /** An entry names its key (`apiKey` or `apiKeyEnv`); else `apiKey is required`. */
  readonly needsKey: boolean;
  /**
   * The kind's own checks (`problem(field, text)` reports `<entry>.<field> <text>`) and the settings
   * it keeps beyond the common ones.
   */
  check?(
    entry: ProvidersFileEntry,
    problem: (field: string, text: string) => void,
  ): Partial<ProviderDefinition> | undefined;
}

export interface ProviderKind<Type extends string = string, Settings = unknown> {
  /** The providers file's `type`, and the name of the provider its environment variables define. */
  readonly type: Type;
  readonly environment?: ProviderEnvironment<Settings>;
  readonly providersFile: ProvidersFileRules;
  /** The provider of a validated definition (the gateway-wide timeouts and limits already applied). */
  create(definition: ProviderDefinition): AIProvider;
  /** The models it serves when the definition lists none; none: discovered by the health checks. */
  defaultModels?(definition: ProviderDefinition): string[];
}

/** A kind, its type kept literal (so the registry can type the settings by kind). */
export function defineProviderKind<Type extends string, Settings = never>(
  kind: ProviderKind<Type, Settings>,
): ProviderKind<Type, Settings> {
  return kind;
}

/** The options every adapter takes from a definition. */
export function commonOptions(definition: ProviderDefinition) {
  const { name, timeouts, maxResponseBytes, models, onResend } = definition;
  return { name, timeouts, maxResponseBytes, models, onResend };
}

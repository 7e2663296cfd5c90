/**
 * Azure OpenAI: the OpenAI wire format behind per-deployment URLs. A model name is mapped to the
 * deployment that serves it; the key travels in the `api-key` header; streams start with a chunk
 * that carries only prompt filter results (empty `choices`) and may carry content filter
 * annotations (choices without `delta`), which are not part of the OpenAI format and are dropped.
 */
import { type OpenAICompatibleOptions, OpenAICompatibleProvider } from './openai-compatible.js';
import { type ChatCompletionChunk, type ProbeOptions, ProviderError } from './provider.js';
import { defineProviderKind } from './provider-kind.js';

export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

export type AzureOpenAIProviderOptions = Omit<
  OpenAICompatibleOptions,
  'name' | 'baseUrl' | 'apiKey' | 'models'
> & {
  name?: string;
  /** `https://<resource>.openai.azure.com` */
  endpoint: string;
  apiKey: string;
  apiVersion?: string;
  /** Model name → deployment name. */
  deployments: Record<string, string>;
};

export class AzureOpenAIProvider extends OpenAICompatibleProvider {
  private readonly apiKey: string;
  private readonly apiVersion: string;
  private readonly deployments: Record<string, string>;

  constructor(options: AzureOpenAIProviderOptions) {
    const { endpoint, apiKey, apiVersion, deployments, ...rest } = options;
    super({ ...rest, name: options.name ?? 'azure-openai', baseUrl: endpoint });
    this.apiKey = apiKey;
    this.apiVersion = apiVersion ?? AZURE_DEFAULT_API_VERSION;
    this.deployments = { ...deployments };
  }

  deploymentFor(model: string | undefined): string {
    const deployments = Object.values(this.deployments);
    if (model === undefined) {
      const first = deployments[0];
      if (first !== undefined) return first;
    } else {
      const mapped = this.deployments[model] ?? (deployments.includes(model) ? model : undefined);
      if (mapped !== undefined) return mapped;
    }
    throw new ProviderError(
      this.name,
      'client',
      `no Azure deployment is configured for model "${model ?? ''}"`,
    );
  }

  protected override completionsUrl(model: string | undefined): string {
    const deployment = encodeURIComponent(this.deploymentFor(model));
    return `${this.baseUrl}/openai/deployments/${deployment}/chat/completions?api-version=${encodeURIComponent(this.apiVersion)}`;
  }

  protected override modelsUrl(): string {
    return `${this.baseUrl}/openai/models?api-version=${encodeURIComponent(this.apiVersion)}`;
  }

  protected override requestHeaders(): Record<string, string> {
    return { ...super.requestHeaders(), 'api-key': this.apiKey };
  }

  protected override acceptChunk(chunk: ChatCompletionChunk): ChatCompletionChunk | undefined {
    const choices = chunk.choices.filter((choice) => choice.delta !== undefined);
    const hasUsage = chunk.usage !== undefined && chunk.usage !== null;
    if (choices.length === 0 && !hasUsage) return undefined;
    const {
      prompt_filter_results: _filters,
      prompt_annotations: _annotations,
      ...rest
    } = chunk as ChatCompletionChunk & { prompt_filter_results?: unknown; prompt_annotations?: unknown };
    return { ...rest, choices };
  }

  override async getModels(_options: ProbeOptions = {}): Promise<string[]> {
    return Object.keys(this.deployments);
  }
}

/** `model=deployment,…` (a bare name is a deployment serving the model of the same name). */
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

interface AzureOpenAISettings {
  endpoint?: string;
  apiKey?: string;
  apiVersion?: string;
  /** `model=deployment,…` (see `parseDeployments`) or a map. */
  deployments?: string | Record<string, string>;
}

export const azureOpenAIKind = defineProviderKind<'azure-openai', AzureOpenAISettings>({
  type: 'azure-openai',
  environment: {
    rank: 3,
    variables: [
      'AZURE_OPENAI_ENDPOINT',
      'AZURE_OPENAI_API_KEY',
      'AZURE_OPENAI_API_VERSION',
      'AZURE_OPENAI_DEPLOYMENTS',
    ],
    read: (reader) => ({
      endpoint: reader.url('AZURE_OPENAI_ENDPOINT', undefined, ['https:', 'http:']),
      apiKey: reader.raw('AZURE_OPENAI_API_KEY'),
      apiVersion: reader.raw('AZURE_OPENAI_API_VERSION'),
      deployments: reader.raw('AZURE_OPENAI_DEPLOYMENTS'),
    }),
    define(azure, problems) {
      if (!(azure.endpoint || azure.apiKey || azure.deployments)) return undefined;
      const deployments =
        typeof azure.deployments === 'string' ? parseDeployments(azure.deployments) : azure.deployments;
      const missing = [
        azure.endpoint ? undefined : 'an endpoint',
        azure.apiKey ? undefined : 'an API key',
        deployments && Object.keys(deployments).length > 0 ? undefined : 'deployments',
      ].filter((item) => item !== undefined);
      if (missing.length > 0)
        problems.push(`Azure OpenAI is partly configured: it needs ${missing.join(', ')}`);
      return {
        baseUrl: azure.endpoint,
        apiKey: azure.apiKey,
        apiVersion: azure.apiVersion,
        deployments: deployments ?? {},
      };
    },
  },
  providersFile: {
    needsKey: true,
    check(entry, problem) {
      if (entry.baseUrl === undefined) problem('endpoint', 'is required for azure-openai');
      if (Object.keys(entry.deployments).length === 0)
        problem('deployments', 'must map at least one model to a deployment');
      return { deployments: entry.deployments };
    },
  },
  create: (definition) =>
    new AzureOpenAIProvider({
      name: definition.name,
      timeouts: definition.timeouts,
      maxResponseBytes: definition.maxResponseBytes,
      onResend: definition.onResend,
      endpoint: definition.baseUrl ?? '',
      apiKey: definition.apiKey ?? '',
      apiVersion: definition.apiVersion,
      deployments: definition.deployments ?? {},
    }),
  defaultModels: (definition) => Object.keys(definition.deployments ?? {}),
});

/**
 * Azure OpenAI: the OpenAI wire format behind per-deployment URLs. A model name is mapped to the
 * deployment that serves it; the key travels in the `api-key` header; streams start with a chunk
 * that carries only prompt filter results (empty `choices`) and may carry content filter
 * annotations (choices without `delta`), which are not part of the OpenAI format and are dropped.
 */
import { type OpenAICompatibleOptions, OpenAICompatibleProvider } from './openai-compatible.js';
import { type CallOptions, type ChatCompletionChunk, ProviderError } from './provider.js';

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

  override async getModels(_options: CallOptions = {}): Promise<string[]> {
    return Object.keys(this.deployments);
  }
}

import { type OpenAICompatibleOptions, OpenAICompatibleProvider } from './openai-compatible.js';
import { commonOptions, defineProviderKind } from './provider-kind.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export type OpenAIProviderOptions = Omit<OpenAICompatibleOptions, 'name' | 'baseUrl' | 'apiKey'> & {
  name?: string;
  baseUrl?: string;
  apiKey: string;
};

/** api.openai.com (or a proxy of it): the compatible base with a mandatory key. */
export class OpenAIProvider extends OpenAICompatibleProvider {
  constructor(options: OpenAIProviderOptions) {
    super({
      ...options,
      name: options.name ?? 'openai',
      baseUrl: options.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    });
  }
}

interface OpenAISettings {
  /** Default: whether a key is given. */
  enabled?: boolean;
  apiKey?: string;
  baseUrl?: string;
}

export const openaiKind = defineProviderKind<'openai', OpenAISettings>({
  type: 'openai',
  environment: {
    rank: 1,
    variables: ['OPENAI_API_KEY', 'OPENAI_ENABLED', 'OPENAI_BASE_URL'],
    read(reader) {
      const apiKey = reader.raw('OPENAI_API_KEY');
      const enabled = reader.bool('OPENAI_ENABLED', apiKey !== undefined);
      const baseUrl = reader.url('OPENAI_BASE_URL', OPENAI_DEFAULT_BASE_URL, ['http:', 'https:']);
      if (enabled && apiKey === undefined) reader.problems.push('OPENAI_ENABLED=true needs OPENAI_API_KEY');
      // A missing key is reported once, here, under the variable's name.
      return enabled && apiKey !== undefined ? { enabled, apiKey, baseUrl } : undefined;
    },
    define(settings, problems) {
      if (!(settings.enabled ?? settings.apiKey !== undefined)) return undefined;
      if (!settings.apiKey) problems.push('OpenAI is enabled but has no API key');
      return { baseUrl: settings.baseUrl, apiKey: settings.apiKey };
    },
  },
  providersFile: { needsKey: true },
  create: (definition) =>
    new OpenAIProvider({
      ...commonOptions(definition),
      apiKey: definition.apiKey ?? '',
      baseUrl: definition.baseUrl,
    }),
});

import { type OpenAICompatibleOptions, OpenAICompatibleProvider } from './openai-compatible.js';
import { commonOptions, defineProviderKind } from './provider-kind.js';

export const LMSTUDIO_DEFAULT_BASE_URL = 'http://localhost:1234';

export type LMStudioProviderOptions = Omit<OpenAICompatibleOptions, 'name' | 'baseUrl'> & {
  name?: string;
  baseUrl?: string;
};

/**
 * A local LM Studio server. Its base URL is configured without the `/v1` segment
 * (`LMSTUDIO_BASE_URL=http://localhost:1234`), and its models are whatever is loaded, so they are
 * listed from the server unless configured.
 */
export class LMStudioProvider extends OpenAICompatibleProvider {
  constructor(options: LMStudioProviderOptions = {}) {
    const root = (options.baseUrl ?? LMSTUDIO_DEFAULT_BASE_URL).replace(/\/+$/, '');
    super({
      ...options,
      name: options.name ?? 'lmstudio',
      baseUrl: root.endsWith('/v1') ? root : `${root}/v1`,
    });
  }
}

interface LMStudioSettings {
  enabled?: boolean;
  baseUrl?: string;
}

export const lmstudioKind = defineProviderKind<'lmstudio', LMStudioSettings>({
  type: 'lmstudio',
  environment: {
    rank: 0,
    variables: ['LMSTUDIO_ENABLED', 'LMSTUDIO_BASE_URL'],
    read: (reader) => ({
      enabled: reader.bool('LMSTUDIO_ENABLED', false),
      baseUrl: reader.url('LMSTUDIO_BASE_URL', LMSTUDIO_DEFAULT_BASE_URL, ['http:', 'https:']),
    }),
    define: ({ enabled, baseUrl }) => (enabled ? { baseUrl, apiKey: undefined } : undefined),
  },
  providersFile: { needsKey: false },
  create: (definition) =>
    new LMStudioProvider({
      ...commonOptions(definition),
      baseUrl: definition.baseUrl,
      apiKey: definition.apiKey,
    }),
});

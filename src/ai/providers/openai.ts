import { type OpenAICompatibleOptions, OpenAICompatibleProvider } from './openai-compatible.js';

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

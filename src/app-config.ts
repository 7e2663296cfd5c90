/**
 * The gateway's whole configuration: the gateway-wide settings of `config.ts` and each domain's own
 * section, read from one environment. A domain with settings of its own adds its section here; the
 * reader and the gateway-wide settings (`config.ts`) know no domain's section.
 */
import { type AiConfig, readAiConfig } from './ai/ai-config.js';
import { type CoreConfig, composeConfig, type Env } from './config.js';

const SECTIONS = { ai: readAiConfig };

export interface Config extends CoreConfig {
  ai: AiConfig;
}

/** Reads and validates every variable; throws one `ConfigError` listing every problem. */
export function loadConfig(env?: Env): Config {
  return composeConfig(SECTIONS, env);
}

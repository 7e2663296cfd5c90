/**
 * `POST /ai/analyze-changelog`: asks a model for a JSON verdict and validates it. When no provider
 * can answer, or the answer is not a valid verdict, the deterministic heuristic answers instead, so
 * update tooling always gets an analysis; `source` says which one it is.
 */
import { AppError } from '../errors.js';
import type { AiCaller, AiService } from './ai-service.js';
import { analyzeChangelogHeuristically, type ChangelogSeverity } from './changelog-heuristic.js';
import type { ChatMessage } from './providers/provider.js';

export interface ChangelogAnalysisRequest {
  version: string;
  changelog: string;
  previous_version?: string;
  model?: string;
}

export interface ChangelogAnalysis {
  version: string;
  analysis: string;
  breaking: boolean;
  severity: ChangelogSeverity;
  source: 'ai' | 'heuristic';
  model?: string;
  provider?: string;
  tokens_used?: number;
}

interface Verdict {
  analysis: string;
  breaking: boolean;
  severity: ChangelogSeverity;
}

/** A verdict is short; the cap also bounds what a misbehaving model can bill. */
const ANSWER_MAX_TOKENS = 600;
const ANALYSIS_MAX_LENGTH = 2_000;
const SEVERITIES: readonly string[] = ['major', 'minor', 'patch'];

/** Failures another answer source can make up for; anything else (unknown model, …) is the caller's. */
const FALLBACK_CODES = new Set(['AI_UNAVAILABLE', 'AI_PROVIDER_ERROR', 'UPSTREAM_TIMEOUT']);

const INSTRUCTIONS = [
  'You analyse software release changelogs for an update service.',
  'Reply with exactly one JSON object and nothing else, of the form',
  '{"analysis": string, "breaking": boolean, "severity": "major" | "minor" | "patch"}.',
  '"analysis": at most three sentences for end users: what the release changes and what they must do.',
  '"breaking": true when users or integrators must change something to keep working',
  '(removed features, dropped platforms or runtimes, incompatible API, data or configuration changes).',
  '"severity": "major" when breaking, "minor" when it adds or removes features, else "patch".',
].join(' ');

export function changelogPrompt(input: ChangelogAnalysisRequest): ChatMessage[] {
  const previous = input.previous_version ? ` (upgrading from ${input.previous_version})` : '';
  return [
    { role: 'system', content: INSTRUCTIONS },
    { role: 'user', content: `Version ${input.version}${previous}\n\nChangelog:\n${input.changelog}` },
  ];
}

/** The verdict in a model's answer (bare JSON or in a code fence), or undefined when it has none. */
export function parseVerdict(text: string | null | undefined): Verdict | undefined {
  if (!text) return undefined;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { analysis, breaking, severity } = value as Record<string, unknown>;
  if (typeof analysis !== 'string' || analysis.trim() === '' || analysis.length > ANALYSIS_MAX_LENGTH)
    return undefined;
  if (typeof breaking !== 'boolean' || typeof severity !== 'string' || !SEVERITIES.includes(severity))
    return undefined;
  // A breaking release is a major one whatever the model called it (semver).
  return {
    analysis: analysis.trim(),
    breaking,
    severity: breaking ? 'major' : (severity as ChangelogSeverity),
  };
}

export type ChangelogAnalyzer = ReturnType<typeof createChangelogAnalyzer>;

export function createChangelogAnalyzer(deps: { ai: AiService; onFallback?: (reason: string) => void }) {
  const heuristic = (input: ChangelogAnalysisRequest, reason: string): ChangelogAnalysis => {
    deps.onFallback?.(reason);
    return analyzeChangelogHeuristically({
      version: input.version,
      changelog: input.changelog,
      previousVersion: input.previous_version,
    });
  };

  return {
    async analyze(
      caller: AiCaller,
      input: ChangelogAnalysisRequest,
      signal: AbortSignal | undefined,
    ): Promise<ChangelogAnalysis> {
      let routed: Awaited<ReturnType<AiService['complete']>>;
      try {
        routed = await deps.ai.complete(
          caller,
          {
            model: input.model,
            messages: changelogPrompt(input),
            temperature: 0,
            max_tokens: ANSWER_MAX_TOKENS,
          },
          signal,
        );
      } catch (error) {
        if (signal?.aborted || !(error instanceof AppError) || !FALLBACK_CODES.has(error.code)) throw error;
        return heuristic(input, error.code);
      }
      const verdict = parseVerdict(routed.completion.choices[0]?.message.content);
      if (verdict === undefined) return heuristic(input, 'invalid_answer');
      return {
        version: input.version,
        ...verdict,
        source: 'ai',
        model: routed.completion.model || routed.model || '',
        provider: routed.provider,
        tokens_used: routed.completion.usage.total_tokens,
      };
    },
  };
}

/**
 * How the router orders the providers that can serve a request. Each strategy returns every
 * candidate: the first is tried first, the rest are the failover order.
 */

export const ROUTING_STRATEGIES = ['priority', 'round-robin', 'least-loaded', 'fastest'] as const;
export type RoutingStrategyName = (typeof ROUTING_STRATEGIES)[number];

export interface Candidate {
  name: string;
  /** Lower is preferred. */
  priority: number;
  /** Relative share of traffic (round-robin) or capacity (least-loaded); > 0. */
  weight: number;
  /** Registration order, the last tie-breaker so that ordering is deterministic. */
  order: number;
  inFlight: number;
  /** Moving average of successful calls; undefined until the provider has served one. */
  avgLatencyMs: number | undefined;
}

export interface RoutingStrategy {
  readonly name: RoutingStrategyName;
  order<T extends Candidate>(candidates: readonly T[]): T[];
}

export function byPriority<T extends Candidate>(candidates: readonly T[]): T[] {
  return [...candidates].sort((a, b) => a.priority - b.priority || a.order - b.order);
}

export function isRoutingStrategyName(value: string): value is RoutingStrategyName {
  return (ROUTING_STRATEGIES as readonly string[]).includes(value);
}

export function createRoutingStrategy(name: RoutingStrategyName): RoutingStrategy {
  switch (name) {
    case 'priority':
      return { name, order: byPriority };
    case 'round-robin':
      return createWeightedRoundRobin();
    case 'least-loaded':
      return {
        name,
        order: (candidates) =>
          byPriority(candidates).sort((a, b) => a.inFlight / a.weight - b.inFlight / b.weight),
      };
    case 'fastest':
      return {
        name,
        // Untried providers go first so that every provider gets measured once (exploration).
        order: (candidates) =>
          byPriority(candidates).sort((a, b) => (a.avgLatencyMs ?? -1) - (b.avgLatencyMs ?? -1)),
      };
  }
}

/**
 * Smooth weighted round-robin (as in nginx): over any window of sum(weights) picks, each provider
 * is chosen `weight` times, interleaved rather than in bursts. Only the current candidates take part,
 * so providers that are cooling down or do not serve the model neither gain nor lose turns.
 */
function createWeightedRoundRobin(): RoutingStrategy {
  const current = new Map<string, number>();
  return {
    name: 'round-robin',
    order(candidates) {
      const ordered = byPriority(candidates);
      const total = ordered.reduce((sum, candidate) => sum + candidate.weight, 0);
      let chosen = ordered[0];
      let best = Number.NEGATIVE_INFINITY;
      for (const candidate of ordered) {
        const value = (current.get(candidate.name) ?? 0) + candidate.weight;
        current.set(candidate.name, value);
        if (value > best) {
          best = value;
          chosen = candidate;
        }
      }
      if (chosen === undefined) return [];
      current.set(chosen.name, best - total);
      return [chosen, ...ordered.filter((candidate) => candidate !== chosen)];
    },
  };
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type UsageAnswer } from '../api.js';
import type { Session } from '../app.js';
import { TimeChart } from '../chart.js';
import { AiProviders, type AiStatus } from './ai.js';

export const RANGES = [
  { id: '1h', label: 'Last hour' },
  { id: '24h', label: 'Last day' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
] as const;

interface Health {
  status: string;
  checks: {
    database: string;
    redis?: string;
    artifact_storage?: string;
    database_writes: string;
    artifact_writes: string;
  };
}

export function RangePicker(props: { value: string; onChange: (range: string) => void }) {
  return (
    <fieldset class="segmented">
      <legend class="visually-hidden">Time range</legend>
      {RANGES.map((r) => (
        <button
          key={r.id}
          type="button"
          class="secondary"
          aria-pressed={props.value === r.id}
          onClick={() => props.onChange(r.id)}
        >
          {r.label}
        </button>
      ))}
    </fieldset>
  );
}

export function UsageCharts(props: { usage: UsageAnswer; idPrefix: string }) {
  const { usage } = props;
  const requestSeries = useMemo(
    () => [
      { label: 'Requests', values: usage.series.requests, color: '#2563eb', bars: true },
      { label: 'Errors', values: usage.series.errors, color: '#dc2626' },
    ],
    [usage],
  );
  const latencySeries = useMemo(
    () => [
      { label: 'p50', values: usage.series.p50_ms, color: '#059669' },
      { label: 'p99', values: usage.series.p99_ms, color: '#d97706' },
    ],
    [usage],
  );
  const tokenSeries = useMemo(
    () => [{ label: 'AI tokens', values: usage.series.tokens, color: '#7c3aed', bars: true }],
    [usage],
  );
  return (
    <div class="charts">
      <TimeChart
        id={`${props.idPrefix}-requests`}
        title="Requests and errors"
        t={usage.series.t}
        series={requestSeries}
      />
      <TimeChart
        id={`${props.idPrefix}-latency`}
        title="Latency (ms)"
        t={usage.series.t}
        series={latencySeries}
        unit=" ms"
      />
      <TimeChart id={`${props.idPrefix}-tokens`} title="AI tokens" t={usage.series.t} series={tokenSeries} />
    </div>
  );
}

export function Totals(props: { usage: UsageAnswer }) {
  const t = props.usage.totals;
  const rate = t.requests === 0 ? 0 : (t.errors / t.requests) * 100;
  const ms = (v: number | null) => (v === null ? '–' : `${v} ms`);
  return (
    <dl class="tiles">
      <div>
        <dt>Requests</dt>
        <dd data-testid="total-requests">{t.requests.toLocaleString('en')}</dd>
      </div>
      <div>
        <dt>Error rate</dt>
        <dd>{rate.toFixed(1)} %</dd>
      </div>
      <div>
        <dt>Latency p50</dt>
        <dd>{ms(t.p50_ms)}</dd>
      </div>
      <div>
        <dt>Latency p99</dt>
        <dd>{ms(t.p99_ms)}</dd>
      </div>
      <div>
        <dt>AI tokens</dt>
        <dd>{(t.prompt_tokens + t.completion_tokens).toLocaleString('en')}</dd>
      </div>
    </dl>
  );
}

function state(value: string | undefined): { text: string; cls: string } {
  if (value === undefined) return { text: 'not configured', cls: 'muted' };
  if (value === 'ok') return { text: 'ok', cls: 'ok' };
  return { text: value, cls: 'bad' };
}

export function OverviewPage(props: { caller: Session }) {
  const [range, setRange] = useState('24h');
  const [usage, setUsage] = useState<UsageAnswer | undefined>(undefined);
  const [health, setHealth] = useState<Health | undefined>(undefined);
  const [ai, setAi] = useState<AiStatus | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (!props.caller.is_admin) return;
    api<UsageAnswer>('GET', `/admin/usage?range=${range}`)
      .then(setUsage)
      .catch((e: unknown) => setError(String(e)));
  }, [range, props.caller.is_admin]);
  useEffect(() => {
    api<Health>('GET', '/health').then(setHealth, () => {});
    api<AiStatus>('GET', '/ai/status').then(setAi, () => {});
  }, []);

  return (
    <>
      <section aria-labelledby="usage-heading">
        <div class="section-head">
          <h2 id="usage-heading">Traffic</h2>
          {props.caller.is_admin && <RangePicker value={range} onChange={setRange} />}
        </div>
        {!props.caller.is_admin && <p class="muted">Traffic charts are shown to the admin key.</p>}
        {error && <p class="error">{error}</p>}
        {usage && (
          <>
            <Totals usage={usage} />
            <UsageCharts usage={usage} idPrefix="overview" />
          </>
        )}
      </section>
      <section aria-labelledby="health-heading">
        <h2 id="health-heading">Health</h2>
        {health && (
          <dl class="tiles health">
            {(
              [
                ['Database', health.checks.database],
                ['Database writes', health.checks.database_writes],
                ['Redis', health.checks.redis],
                [
                  'Storage',
                  health.checks.artifact_storage ??
                    (health.checks.artifact_writes === 'ok' ? 'ok' : undefined),
                ],
                ['Storage writes', health.checks.artifact_writes],
              ] as const
            ).map(([name, value]) => {
              const shown = state(value);
              return (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd class={shown.cls}>{shown.text}</dd>
                </div>
              );
            })}
          </dl>
        )}
      </section>
      <section aria-labelledby="ai-heading">
        <h2 id="ai-heading">AI providers</h2>
        {ai && <AiProviders status={ai} compact />}
      </section>
    </>
  );
}

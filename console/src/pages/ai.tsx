import { useEffect, useState } from 'preact/hooks';
import { api, type UsageAnswer } from '../api.js';
import type { Session } from '../app.js';
import { Sparkline } from '../chart.js';
import { RangePicker } from './overview.js';

export interface AiProvider {
  name: string;
  available: boolean;
  healthy: boolean | null;
  models: string[];
  aliases: string[];
  in_flight: number;
  max_concurrency: number;
  queued: number;
  requests: number;
  successes: number;
  errors: number;
  avg_latency_ms: number | null;
  cooldown_until: string | null;
  last_error: { message?: string } | null;
}

export interface AiStatus {
  enabled: boolean;
  strategy: string;
  providers: AiProvider[];
}

export function AiProviders(props: { status: AiStatus; compact?: boolean }) {
  const { status } = props;
  if (!status.enabled) return <p class="muted">No AI provider is configured.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">AI providers (strategy {status.strategy})</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Available</th>
            {!props.compact && <th scope="col">Models</th>}
            <th scope="col">Avg latency</th>
            <th scope="col">Requests</th>
            <th scope="col">Errors</th>
            {!props.compact && <th scope="col">In flight / limit</th>}
            <th scope="col">Cool-down until</th>
          </tr>
        </thead>
        <tbody>
          {status.providers.map((p) => (
            <tr key={p.name}>
              <th scope="row">{p.name}</th>
              <td>
                <span class={`badge ${p.available ? 'active' : 'revoked'}`}>
                  {p.available ? 'available' : 'unavailable'}
                </span>
              </td>
              {!props.compact && <td>{[...p.models, ...p.aliases].join(', ') || '–'}</td>}
              <td>{p.avg_latency_ms === null ? '–' : `${Math.round(p.avg_latency_ms)} ms`}</td>
              <td>{p.requests}</td>
              <td>{p.errors}</td>
              {!props.compact && (
                <td>
                  {p.in_flight} / {p.max_concurrency}
                  {p.queued > 0 ? ` (${p.queued} queued)` : ''}
                </td>
              )}
              <td>{p.cooldown_until ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AiPage(props: { caller: Session }) {
  const [status, setStatus] = useState<AiStatus | undefined>(undefined);
  const [usage, setUsage] = useState<UsageAnswer | undefined>(undefined);
  const [range, setRange] = useState('30d');
  useEffect(() => {
    api<AiStatus>('GET', '/ai/status').then(setStatus, () => {});
  }, []);
  useEffect(() => {
    if (props.caller.is_admin)
      api<UsageAnswer>('GET', `/admin/usage?range=${range}`).then(setUsage, () => {});
  }, [range, props.caller.is_admin]);
  const byKey = (usage?.keys ?? []).filter((k) => k.prompt_tokens + k.completion_tokens > 0);
  const byModel = usage?.models ?? [];
  return (
    <>
      <section aria-labelledby="providers-heading">
        <h2 id="providers-heading">Providers{status ? ` (strategy: ${status.strategy})` : ''}</h2>
        {status && <AiProviders status={status} />}
      </section>
      {props.caller.is_admin && (
        <section aria-labelledby="tokens-heading">
          <div class="section-head">
            <h2 id="tokens-heading">Tokens</h2>
            <RangePicker value={range} onChange={setRange} />
          </div>
          {byKey.length === 0 ? (
            <p class="muted">No AI tokens in this range.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <caption>By key</caption>
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Prompt tokens</th>
                    <th scope="col">Completion tokens</th>
                    <th scope="col">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {byKey.map((k) => (
                    <tr key={k.key_id}>
                      <th scope="row">{k.name}</th>
                      <td>{k.prompt_tokens}</td>
                      <td>{k.completion_tokens}</td>
                      <td>{k.prompt_tokens + k.completion_tokens}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {byModel.length > 0 && (
            <div class="table-wrap">
              <table>
                <caption>By model</caption>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Prompt tokens</th>
                    <th scope="col">Completion tokens</th>
                    <th scope="col">Total</th>
                    <th scope="col">Over time</th>
                  </tr>
                </thead>
                <tbody>
                  {byModel.map((m) => (
                    <tr key={m.model}>
                      <th scope="row">{m.model}</th>
                      <td>{m.prompt_tokens}</td>
                      <td>{m.completion_tokens}</td>
                      <td>{m.prompt_tokens + m.completion_tokens}</td>
                      <td>
                        <Sparkline values={m.tokens_series} label={`Tokens of ${m.model}`} unit="tokens" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}

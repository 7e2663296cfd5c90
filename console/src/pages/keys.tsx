import { useEffect, useState } from 'preact/hooks';
import {
  type AuditEntry,
  api,
  type KeyView,
  PERMISSIONS,
  type Permission,
  type UsageAnswer,
} from '../api.js';
import type { Session } from '../app.js';
import { Sparkline } from '../chart.js';
import { Totals, UsageCharts } from './overview.js';

interface Issued {
  key: string;
  name: string;
  message: string;
  previousKeyValidUntil?: string | null;
}

const LIFETIMES = ['', '12h', '30d', '90d', '1y'];
const GRACE_PERIODS = ['', '1h', '24h', '7d'];

function when(iso: string | null): string {
  return iso === null ? '–' : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function short(permission: Permission): string {
  return permission.replace(/^can/, '');
}

export function KeysPage(props: { caller: Session; selected: string | undefined }) {
  if (props.selected !== undefined && props.caller.is_admin) return <KeyDetail id={props.selected} />;
  return <KeyList caller={props.caller} />;
}

function IssuedKey(props: { issued: Issued; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section class="issued" role="alert" aria-labelledby="issued-heading">
      <h2 id="issued-heading">{props.issued.message}</h2>
      <p>
        Copy the key of <strong>{props.issued.name}</strong> now: it is shown only once.
        {props.issued.previousKeyValidUntil &&
          ` The previous secret works until ${when(props.issued.previousKeyValidUntil)}.`}
      </p>
      <div class="secret-row">
        <code data-testid="issued-key">{props.issued.key}</code>
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(props.issued.key).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <button type="button" class="secondary" onClick={props.onDone}>
        I saved it
      </button>
    </section>
  );
}

function CreateKey(props: { caller: Session; onIssued: (issued: Issued) => void }) {
  const grantable = PERMISSIONS.filter((p) => props.caller.permissions[p]);
  const [name, setName] = useState('');
  const [permissions, setPermissions] = useState<Partial<Record<Permission, boolean>>>({});
  const [projects, setProjects] = useState('');
  const [tags, setTags] = useState('');
  const [lifetime, setLifetime] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const list = (text: string) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    try {
      const issued = await api<Issued>('POST', '/admin/keys', {
        name,
        permissions,
        ...(list(projects).length > 0 ? { allowedProjects: list(projects) } : {}),
        ...(list(tags).length > 0 ? { tags: list(tags) } : {}),
        ...(lifetime ? { expiresIn: lifetime } : {}),
      });
      setName('');
      setPermissions({});
      setProjects('');
      setTags('');
      props.onIssued(issued);
    } catch (failure) {
      setError(String(failure instanceof Error ? failure.message : failure));
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">Create a key</h2>
      <div class="field">
        <label for="key-name">Name</label>
        <input
          id="key-name"
          required
          maxLength={100}
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </div>
      <fieldset>
        <legend>Permissions (only those this key may grant)</legend>
        <div class="checks">
          {grantable.map((p) => (
            <label key={p} class="check">
              <input
                type="checkbox"
                name={p}
                checked={permissions[p] === true}
                onChange={(e) =>
                  setPermissions({ ...permissions, [p]: (e.target as HTMLInputElement).checked })
                }
              />
              {p}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for="key-projects">
          Projects (comma-separated; empty:{' '}
          {props.caller.allowed_projects ? props.caller.allowed_projects.join(', ') : 'every project'})
        </label>
        <input
          id="key-projects"
          value={projects}
          onInput={(e) => setProjects((e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for="key-tags">Tags (comma-separated)</label>
        <input id="key-tags" value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="key-lifetime">Expires in</label>
        <select
          id="key-lifetime"
          value={lifetime}
          onChange={(e) => setLifetime((e.target as HTMLSelectElement).value)}
        >
          {LIFETIMES.map((l) => (
            <option key={l} value={l}>
              {l === '' ? (props.caller.expires_at ? 'when this key expires' : 'never') : l}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">Create key</button>
    </form>
  );
}

function KeyRow(props: {
  row: KeyView;
  usage: number[] | undefined;
  caller: Session;
  onIssued: (issued: Issued) => void;
  onChanged: () => void;
}) {
  const { row } = props;
  const [confirming, setConfirming] = useState<'revoke' | 'rotate' | undefined>(undefined);
  const [grace, setGrace] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const live = row.status === 'active';
  const act = async (action: () => Promise<void>) => {
    setError(undefined);
    try {
      await action();
      setConfirming(undefined);
      props.onChanged();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const path = `/admin/keys/${encodeURIComponent(row.id)}`;
  return (
    <tr data-key={row.name}>
      <th scope="row">
        <a href={`#/keys/${encodeURIComponent(row.id)}`}>{row.name}</a>
      </th>
      <td>
        <code>{row.key}</code>
      </td>
      <td>
        <span class={`badge ${row.status}`}>{row.status}</span>
      </td>
      <td class="perms">
        {PERMISSIONS.filter((p) => row.permissions[p]).map((p) => (
          <span key={p} class="chip">
            {short(p)}
          </span>
        ))}
      </td>
      <td>{row.allowedProjects ? row.allowedProjects.join(', ') : 'all'}</td>
      <td>
        {row.tags.map((t) => (
          <span key={t} class="chip tag">
            {t}
          </span>
        ))}
      </td>
      <td>{when(row.lastUsedAt)}</td>
      <td>
        {props.usage ? (
          <Sparkline values={props.usage} label={`Requests of ${row.name}, last 30 days`} />
        ) : (
          '–'
        )}
      </td>
      <td class="actions">
        {live && confirming === undefined && (
          <>
            {props.caller.permissions.canCreateKeys && (
              <button type="button" class="secondary" onClick={() => setConfirming('rotate')}>
                Rotate
              </button>
            )}
            {props.caller.permissions.canRevokeKeys && (
              <button type="button" class="danger" onClick={() => setConfirming('revoke')}>
                Revoke
              </button>
            )}
          </>
        )}
        {confirming === 'rotate' && (
          <div class="confirm">
            <label for={`grace-${row.id}`}>Old secret keeps working</label>
            <select
              id={`grace-${row.id}`}
              value={grace}
              onChange={(e) => setGrace((e.target as HTMLSelectElement).value)}
            >
              {GRACE_PERIODS.map((g) => (
                <option key={g} value={g}>
                  {g === '' ? 'not at all' : `for ${g}`}
                </option>
              ))}
            </select>
            <button
              type="button"
              onClick={() =>
                act(async () =>
                  props.onIssued(
                    await api<Issued>('POST', `${path}/rotate`, grace ? { gracePeriod: grace } : {}),
                  ),
                )
              }
            >
              Confirm rotation
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(undefined)}>
              Cancel
            </button>
          </div>
        )}
        {confirming === 'revoke' && (
          <fieldset class="confirm">
            <legend>Revoke {row.name}? Its sessions end at once.</legend>
            <button type="button" class="danger" onClick={() => act(() => api('DELETE', path))}>
              Confirm revoke
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(undefined)}>
              Cancel
            </button>
          </fieldset>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

function KeyList(props: { caller: Session }) {
  const [keys, setKeys] = useState<KeyView[] | undefined>(undefined);
  const [usage, setUsage] = useState<UsageAnswer | undefined>(undefined);
  const [issued, setIssued] = useState<Issued | undefined>(undefined);
  const [tag, setTag] = useState('');
  const [showRevoked, setShowRevoked] = useState(false);
  const [version, setVersion] = useState(0);
  const isAdmin = props.caller.is_admin;
  useEffect(() => {
    if (!isAdmin) return;
    api<{ keys: KeyView[] }>('GET', `/admin/keys?include_revoked=${showRevoked}`).then((r) =>
      setKeys(r.keys),
    );
    api<UsageAnswer>('GET', '/admin/usage?range=30d').then(setUsage);
  }, [isAdmin, showRevoked, version]);
  const refresh = () => setVersion((v) => v + 1);
  const allTags = [...new Set((keys ?? []).flatMap((k) => k.tags))].sort();
  const shown = (keys ?? []).filter((k) => tag === '' || k.tags.includes(tag));
  const usageOf = new Map(usage?.keys.map((k) => [k.key_id, k.requests_series]));
  return (
    <>
      {issued && <IssuedKey issued={issued} onDone={() => setIssued(undefined)} />}
      {props.caller.permissions.canCreateKeys && (
        <CreateKey
          caller={props.caller}
          onIssued={(i) => {
            setIssued(i);
            refresh();
          }}
        />
      )}
      {isAdmin ? (
        <section aria-labelledby="key-list-heading">
          <div class="section-head">
            <h2 id="key-list-heading">Keys</h2>
            <div class="filters">
              <label for="tag-filter">Tag</label>
              <select
                id="tag-filter"
                value={tag}
                onChange={(e) => setTag((e.target as HTMLSelectElement).value)}
              >
                <option value="">all tags</option>
                {allTags.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              <label class="check">
                <input
                  type="checkbox"
                  checked={showRevoked}
                  onChange={(e) => setShowRevoked((e.target as HTMLInputElement).checked)}
                />
                Show revoked
              </label>
            </div>
          </div>
          <div class="table-wrap">
            <table class="keys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Status</th>
                  <th scope="col">Permissions</th>
                  <th scope="col">Projects</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Last used</th>
                  <th scope="col">30 days</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((k) => (
                  <KeyRow
                    key={k.id}
                    row={k}
                    usage={usageOf.get(k.id)}
                    caller={props.caller}
                    onIssued={setIssued}
                    onChanged={refresh}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {keys && shown.length === 0 && <p class="muted">No keys{tag ? ` tagged ${tag}` : ''}.</p>}
        </section>
      ) : (
        <p class="muted">Listing keys needs the admin key.</p>
      )}
    </>
  );
}

function KeyDetail(props: { id: string }) {
  const [key, setKey] = useState<KeyView | undefined>(undefined);
  const [usage, setUsage] = useState<UsageAnswer | undefined>(undefined);
  const [audit, setAudit] = useState<AuditEntry[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const id = encodeURIComponent(props.id);
    api<{ keys: KeyView[] }>('GET', '/admin/keys?include_revoked=true')
      .then((r) => setKey(r.keys.find((k) => k.id === props.id)))
      .catch((e: unknown) => setError(String(e)));
    api<UsageAnswer>('GET', `/admin/usage?range=30d&key_id=${id}`).then(setUsage);
    api<{ entries: AuditEntry[] }>(
      'GET',
      `/admin/audit?target_type=api_key&target_id=${id}&per_page=100`,
    ).then((r) => setAudit(r.entries));
  }, [props.id]);
  return (
    <>
      <p>
        <a href="#/keys">← All keys</a>
      </p>
      {error && <p class="error">{error}</p>}
      {key && (
        <section aria-labelledby="key-heading">
          <h2 id="key-heading">
            {key.name} <code>{key.key}</code> <span class={`badge ${key.status}`}>{key.status}</span>
          </h2>
          <p class="muted">
            Created {when(key.createdAt)} · expires {when(key.expiresAt)} · last used {when(key.lastUsedAt)}
          </p>
        </section>
      )}
      {usage && (
        <section aria-labelledby="key-usage-heading">
          <h2 id="key-usage-heading">Last 30 days</h2>
          <Totals usage={usage} />
          <UsageCharts usage={usage} idPrefix="key" />
        </section>
      )}
      <section aria-labelledby="key-audit-heading">
        <h2 id="key-audit-heading">Audit trail</h2>
        {audit && <AuditTable entries={audit} />}
      </section>
    </>
  );
}

export function AuditTable(props: { entries: AuditEntry[] }) {
  if (props.entries.length === 0) return <p class="muted">No entries.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td>{e.actor}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>
                {e.target_type} {e.target_id}
              </td>
              <td class="details">
                <code>{JSON.stringify(e.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

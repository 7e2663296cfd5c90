import { useEffect, useState } from 'preact/hooks';
import { type AuditEntry, api } from '../api.js';
import { AuditTable } from './keys.js';

interface Filters {
  actor: string;
  action: string;
  project: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { actor: '', action: '', project: '', from: '', to: '' };

/** `datetime-local` values are the browser's local time; the API takes ISO-8601 instants. */
function instant(local: string): string {
  return new Date(local).toISOString();
}

function queryOf(filters: Filters): string {
  const params = new URLSearchParams({ per_page: '100' });
  if (filters.actor) params.set('actor', filters.actor.trim());
  if (filters.action) params.set('action', filters.action.trim());
  if (filters.project) params.set('project', filters.project);
  if (filters.from) params.set('from', instant(filters.from));
  if (filters.to) params.set('to', instant(filters.to));
  return params.toString();
}

export function AuditPage() {
  const [entries, setEntries] = useState<{ list: AuditEntry[]; total: number } | undefined>(undefined);
  const [projects, setProjects] = useState<string[]>([]);
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    api<{ projects: { id: string }[] }>('GET', '/projects?per_page=100').then(
      (r) => setProjects(r.projects.map((p) => p.id)),
      () => {},
    );
  }, []);
  useEffect(() => {
    setError(undefined);
    api<{ entries: AuditEntry[]; total: number }>('GET', `/admin/audit?${queryOf(applied)}`).then(
      (r) => setEntries({ list: r.entries, total: r.total }),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [applied]);
  const field = (name: keyof Filters) => ({
    id: `audit-${name}`,
    value: draft[name],
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value }),
  });
  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading" class="visually-hidden">
        Entries
      </h2>
      <form
        class="filters card"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(draft);
        }}
      >
        <label for="audit-actor">Actor</label>
        <input {...field('actor')} placeholder="admin" />
        <label for="audit-action">Action</label>
        <input {...field('action')} placeholder="key.created" />
        <label for="audit-project">Project</label>
        <select
          {...field('project')}
          onChange={(e) => setDraft({ ...draft, project: (e.target as HTMLSelectElement).value })}
        >
          <option value="">any project</option>
          {projects.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <label for="audit-from">From</label>
        <input type="datetime-local" {...field('from')} />
        <label for="audit-to">To</label>
        <input type="datetime-local" {...field('to')} />
        <button type="submit">Filter</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDraft(EMPTY);
            setApplied(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {entries && (
        <>
          <p class="muted" role="status">
            {entries.total} {entries.total === 1 ? 'entry' : 'entries'}
            {entries.total > entries.list.length ? `, newest ${entries.list.length} shown` : ''}
          </p>
          <AuditTable entries={entries.list} />
        </>
      )}
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { type AuditEntry, api } from '../api.js';
import { AuditTable } from './keys.js';

export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[] | undefined>(undefined);
  const [action, setAction] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    api<{ entries: AuditEntry[] }>('GET', `/admin/audit?per_page=100${query}`).then((r) =>
      setEntries(r.entries),
    );
  }, [query]);
  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading" class="visually-hidden">
        Entries
      </h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(action ? `&action=${encodeURIComponent(action)}` : '');
        }}
      >
        <label for="audit-action">Action</label>
        <input
          id="audit-action"
          value={action}
          onInput={(e) => setAction((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Filter</button>
      </form>
      {entries && <AuditTable entries={entries} />}
    </section>
  );
}

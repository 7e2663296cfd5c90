import type { Session } from '../app.js';

export function ReleasesPage(_props: { caller: Session; path: string | undefined }) {
  return <p class="muted">Releases.</p>;
}

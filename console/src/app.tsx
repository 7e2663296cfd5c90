import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type SessionView, setCsrfToken, whenSessionEnds } from './api.js';
import { AiPage } from './pages/ai.js';
import { AuditPage } from './pages/audit.js';
import { KeysPage } from './pages/keys.js';
import { OverviewPage } from './pages/overview.js';
import { ReleasesPage } from './pages/releases.js';
import { SignIn } from './pages/sign-in.js';

export type Session = SessionView['caller'];

interface PageDef {
  id: string;
  title: string;
  /** Whether this caller may see the page at all. */
  allowed: (caller: Session) => boolean;
}

export const PAGES: PageDef[] = [
  { id: 'overview', title: 'Overview', allowed: () => true },
  { id: 'keys', title: 'Keys', allowed: (c) => c.is_admin || c.permissions.canCreateKeys },
  { id: 'releases', title: 'Releases', allowed: (c) => c.permissions.canReadProjects },
  { id: 'ai', title: 'AI', allowed: () => true },
  { id: 'audit', title: 'Audit log', allowed: (c) => c.is_admin },
];

function currentRoute(): { page: string; param: string | undefined } {
  const [page, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return {
    page: page || 'overview',
    param: rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined,
  };
}

export function App() {
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [route, setRoute] = useState(currentRoute());

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    whenSessionEnds(() => {
      setCsrfToken(undefined);
      setSession(null);
      setNotice('Your session has ended. Sign in again.');
    });
    api<SessionView>('GET', '/console/session')
      .then((s) => {
        setCsrfToken(s.csrf_token);
        setSession(s);
      })
      .catch((error: unknown) => {
        if (!(error instanceof ApiError && error.status === 401)) setNotice(String(error));
        setSession(null);
      });
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const page = PAGES.find((p) => p.id === route.page);
    document.title = `${page?.title ?? 'Console'} · LunarBit Console`;
  }, [route.page]);

  if (session === undefined)
    return (
      <main class="loading" aria-busy="true">
        Loading…
      </main>
    );
  if (session === null) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setCsrfToken(s.csrf_token);
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }

  const caller = session.caller;
  const pages = PAGES.filter((p) => p.allowed(caller));
  const page = pages.find((p) => p.id === route.page) ?? pages[0]!;
  const signOut = async () => {
    await api('DELETE', '/console/session').catch(() => {});
    setCsrfToken(undefined);
    setSession(null);
    setNotice('Signed out.');
  };

  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="#/overview">
          LunarBit Console
        </a>
        <nav aria-label="Sections">
          <ul>
            {pages.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === page.id ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{caller.name}</strong>
          </span>
          <button type="button" class="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <h1>{page.title}</h1>
        {page.id === 'overview' && <OverviewPage caller={caller} />}
        {page.id === 'keys' && <KeysPage caller={caller} selected={route.param} />}
        {page.id === 'releases' && <ReleasesPage caller={caller} path={route.param} />}
        {page.id === 'ai' && <AiPage caller={caller} />}
        {page.id === 'audit' && <AuditPage />}
      </main>
    </div>
  );
}

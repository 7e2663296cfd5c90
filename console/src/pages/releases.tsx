import { useEffect, useState } from 'preact/hooks';
import { api, upload } from '../api.js';
import type { Session } from '../app.js';
import { renderMarkdown } from '../markdown.js';

interface Project {
  id: string;
  name: string;
  description: string;
  channels: string[];
}

interface VersionRow {
  id: string;
  name: string;
  status?: 'draft' | 'published' | 'yanked';
  rollout_percentage?: number;
  published_at: string | null;
  yank_reason?: string | null;
  build_count: number;
}

interface Build {
  id: string;
  platform: string;
  architecture: string;
  file_name: string;
  file_size: number;
  status?: 'pending' | 'verified' | 'failed';
  status_reason?: string | null;
  stored?: boolean;
}

interface Version {
  id: string;
  name: string;
  status?: 'draft' | 'published' | 'yanked';
  release_notes: string;
  rollout_percentage?: number;
  yank_reason?: string | null;
  builds: Build[];
}

const PLATFORMS = ['windows', 'macos', 'linux'];
const ARCHITECTURES = ['x64', 'arm64', 'x86', 'universal'];

function enc(value: string): string {
  return encodeURIComponent(value);
}

function message(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

export function ReleasesPage(props: { caller: Session; path: string | undefined }) {
  const [project, channel, version] = (props.path ?? '').split('/').filter((s) => s !== '');
  const canWrite = props.caller.permissions.canManageProjects;
  return (
    <>
      <nav aria-label="Release path">
        <ol class="crumbs">
          <li>
            <a href="#/releases">Projects</a>
          </li>
          {project && (
            <li>
              <a href={`#/releases/${enc(project)}`}>{project}</a>
            </li>
          )}
          {project && channel && (
            <li>
              <a href={`#/releases/${enc(project)}/${enc(channel)}`}>{channel}</a>
            </li>
          )}
          {version && <li aria-current="page">{version}</li>}
        </ol>
      </nav>
      {!project && <ProjectList />}
      {project && !channel && <ChannelList project={project} />}
      {project && channel && !version && (
        <VersionList project={project} channel={channel} canWrite={canWrite} />
      )}
      {project && channel && version && (
        <VersionDetail project={project} channel={channel} version={version} canWrite={canWrite} />
      )}
    </>
  );
}

function ProjectList() {
  const [projects, setProjects] = useState<Project[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    api<{ projects: Project[] }>('GET', '/projects?per_page=100').then(
      (r) => setProjects(r.projects),
      (e: unknown) => setError(message(e)),
    );
  }, []);
  return (
    <section aria-labelledby="projects-heading">
      <h2 id="projects-heading">Projects</h2>
      {error && <p class="error">{error}</p>}
      {projects && projects.length === 0 && <p class="muted">No projects yet.</p>}
      <ul class="cards">
        {projects?.map((p) => (
          <li key={p.id} class="card">
            <a href={`#/releases/${enc(p.id)}`}>
              <strong>{p.name}</strong>
            </a>{' '}
            <code>{p.id}</code>
            <p class="muted">{p.description}</p>
            <p>
              Channels:{' '}
              {p.channels.map((c, i) => (
                <span key={c}>
                  {i > 0 && ', '}
                  <a href={`#/releases/${enc(p.id)}/${enc(c)}`}>{c}</a>
                </span>
              ))}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ChannelList(props: { project: string }) {
  const [project, setProject] = useState<Project | undefined>(undefined);
  useEffect(() => {
    api<{ projects: Project[] }>('GET', '/projects?per_page=100').then((r) =>
      setProject(r.projects.find((p) => p.id === props.project)),
    );
  }, [props.project]);
  return (
    <section aria-labelledby="channels-heading">
      <h2 id="channels-heading">Channels of {project?.name ?? props.project}</h2>
      <ul>
        {project?.channels.map((c) => (
          <li key={c}>
            <a href={`#/releases/${enc(props.project)}/${enc(c)}`}>{c}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function VersionList(props: { project: string; channel: string; canWrite: boolean }) {
  const [versions, setVersions] = useState<VersionRow[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [draft, setDraft] = useState('');
  const [refresh, setRefresh] = useState(0);
  const path = `/projects/${enc(props.project)}/channels/${enc(props.channel)}/versions`;
  useEffect(() => {
    // Writers see every state through the admin API; readers see what is published.
    api<{ versions: VersionRow[] }>('GET', `${props.canWrite ? '/admin' : ''}${path}?per_page=100`).then(
      (r) => setVersions(r.versions),
      (e: unknown) => setError(message(e)),
    );
  }, [path, props.canWrite, refresh]);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      await api('POST', `/admin${path}`, { version: draft });
      setDraft('');
      setRefresh((n) => n + 1);
    } catch (failure) {
      setError(message(failure));
    }
  };
  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      {props.canWrite && (
        <form class="filters" onSubmit={create}>
          <label for="new-version">New draft version</label>
          <input
            id="new-version"
            required
            placeholder="1.2.0"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Create draft</button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {versions && versions.length === 0 && <p class="muted">No versions.</p>}
      {versions && versions.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Rollout</th>
                <th scope="col">Builds</th>
                <th scope="col">Published</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.id} data-version={v.id}>
                  <th scope="row">
                    <a href={`#/releases/${enc(props.project)}/${enc(props.channel)}/${enc(v.id)}`}>{v.id}</a>
                  </th>
                  <td>
                    <span class={`badge ${v.status ?? 'published'}`}>{v.status ?? 'published'}</span>
                    {v.yank_reason && <span class="muted"> {v.yank_reason}</span>}
                  </td>
                  <td>{v.rollout_percentage ?? 100} %</td>
                  <td>{v.build_count}</td>
                  <td>{v.published_at ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function VersionDetail(props: { project: string; channel: string; version: string; canWrite: boolean }) {
  const [version, setVersion] = useState<Version | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [refresh, setRefresh] = useState(0);
  const path = `/projects/${enc(props.project)}/channels/${enc(props.channel)}/versions/${enc(props.version)}`;
  useEffect(() => {
    api<Version>('GET', `${props.canWrite ? '/admin' : ''}${path}`).then(setVersion, (e: unknown) =>
      setError(message(e)),
    );
  }, [path, props.canWrite, refresh]);
  const reload = () => setRefresh((n) => n + 1);
  const act = async (method: string, suffix: string, body?: unknown) => {
    setError(undefined);
    try {
      await api(method, `/admin${path}${suffix}`, body);
      reload();
    } catch (failure) {
      setError(message(failure));
    }
  };
  if (version === undefined) return error ? <p class="error">{error}</p> : <p aria-busy="true">Loading…</p>;
  const status = version.status ?? 'published';
  return (
    <>
      <section aria-labelledby="version-heading">
        <h2 id="version-heading">
          {version.name} <span class={`badge ${status}`}>{status}</span>
        </h2>
        {version.yank_reason && <p>Yanked: {version.yank_reason}</p>}
        <p data-testid="rollout">Rollout: {version.rollout_percentage ?? 100} %</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {props.canWrite && (
          <VersionActions
            status={status}
            rollout={version.rollout_percentage ?? 100}
            project={props.project}
            channel={props.channel}
            act={act}
          />
        )}
      </section>
      <section aria-labelledby="builds-heading">
        <h2 id="builds-heading">Builds</h2>
        {version.builds.length === 0 ? (
          <p class="muted">No builds.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Build</th>
                  <th scope="col">Target</th>
                  <th scope="col">File</th>
                  <th scope="col">Size</th>
                  <th scope="col">Verification</th>
                </tr>
              </thead>
              <tbody>
                {version.builds.map((b) => (
                  <tr key={b.id} data-build={b.id}>
                    <th scope="row">{b.id}</th>
                    <td>
                      {b.platform} / {b.architecture}
                    </td>
                    <td>{b.file_name}</td>
                    <td>{b.file_size.toLocaleString('en')} B</td>
                    <td>
                      {b.status ? <span class={`badge ${b.status}`}>{b.status}</span> : '–'}
                      {b.status_reason && <div class="muted">{b.status_reason}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {props.canWrite && <BuildUpload path={`/admin${path}/builds`} onUploaded={reload} />}
      </section>
      <ReleaseNotes
        notes={version.release_notes}
        canWrite={props.canWrite}
        save={(notes) => act('PATCH', '', { release_notes: notes })}
      />
    </>
  );
}

function VersionActions(props: {
  status: string;
  rollout: number;
  project: string;
  channel: string;
  act: (method: string, suffix: string, body?: unknown) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState('');
  const [rollout, setRollout] = useState(String(props.rollout));
  useEffect(() => setRollout(String(props.rollout)), [props.rollout]);
  const [channels, setChannels] = useState<string[]>([]);
  useEffect(() => {
    api<{ projects: Project[] }>('GET', '/projects?per_page=100').then((r) =>
      setChannels(
        r.projects.find((p) => p.id === props.project)?.channels.filter((c) => c !== props.channel) ?? [],
      ),
    );
  }, [props.project, props.channel]);
  return (
    <div class="card actions-card">
      {props.status !== 'yanked' && (
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            void props.act('PATCH', '', { rollout_percentage: Number(rollout) });
          }}
        >
          <label for="rollout">Rollout %</label>
          <input
            id="rollout"
            type="number"
            min={0}
            max={100}
            step={1}
            required
            value={rollout}
            onInput={(e) => setRollout((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="secondary">
            Set rollout
          </button>
        </form>
      )}
      {props.status === 'draft' && (
        <button type="button" onClick={() => props.act('POST', '/publish')}>
          Publish
        </button>
      )}
      {props.status === 'published' && (
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            void props.act('POST', '/yank', { reason });
          }}
        >
          <label for="yank-reason">Yank reason</label>
          <input
            id="yank-reason"
            required
            value={reason}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="danger">
            Yank
          </button>
        </form>
      )}
      {props.status === 'published' && channels.length > 0 && (
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            if (target) void props.act('POST', '/promote', { to_channel: target });
          }}
        >
          <label for="promote-to">Promote to</label>
          <select
            id="promote-to"
            value={target}
            onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}
          >
            <option value="">choose a channel</option>
            {channels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <button type="submit" class="secondary">
            Promote
          </button>
        </form>
      )}
    </div>
  );
}

function BuildUpload(props: { path: string; onUploaded: () => void }) {
  const [file, setFile] = useState<File | undefined>(undefined);
  const [platform, setPlatform] = useState('windows');
  const [architecture, setArchitecture] = useState('x64');
  const [progress, setProgress] = useState<number | undefined>(undefined);
  const [over, setOver] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const send = async (event: Event) => {
    event.preventDefault();
    if (file === undefined) return;
    setError(undefined);
    setDone(undefined);
    const form = new FormData();
    form.append('platform', platform);
    form.append('architecture', architecture);
    form.append('file', file, file.name);
    setProgress(0);
    try {
      await upload(props.path, form, setProgress);
      setProgress(1);
      setDone(`Uploaded ${file.name}`);
      setFile(undefined);
      props.onUploaded();
    } catch (failure) {
      setError(message(failure));
      setProgress(undefined);
    }
  };
  return (
    <form class="card" onSubmit={send} aria-labelledby="upload-heading">
      <h3 id="upload-heading">Upload a build</h3>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a shortcut for pointers; the file input inside is the keyboard's way */}
      <div
        class={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const dropped = e.dataTransfer?.files[0];
          if (dropped) setFile(dropped);
        }}
      >
        <p>
          {file
            ? `${file.name} (${file.size.toLocaleString('en')} bytes)`
            : 'Drop a build file here, or choose one.'}
        </p>
        <label for="build-file">Build file</label>{' '}
        <input
          id="build-file"
          type="file"
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])}
        />
      </div>
      <div class="filters">
        <label for="build-platform">Platform</label>
        <select
          id="build-platform"
          value={platform}
          onChange={(e) => setPlatform((e.target as HTMLSelectElement).value)}
        >
          {PLATFORMS.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <label for="build-arch">Architecture</label>
        <select
          id="build-arch"
          value={architecture}
          onChange={(e) => setArchitecture((e.target as HTMLSelectElement).value)}
        >
          {ARCHITECTURES.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
        <button type="submit" disabled={file === undefined || (progress !== undefined && progress < 1)}>
          Upload
        </button>
      </div>
      {progress !== undefined && (
        <progress max={1} value={progress} aria-label="Upload progress">
          {Math.round(progress * 100)} %
        </progress>
      )}
      {done && <p role="status">{done}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function ReleaseNotes(props: { notes: string; canWrite: boolean; save: (notes: string) => Promise<void> }) {
  const [notes, setNotes] = useState(props.notes);
  useEffect(() => setNotes(props.notes), [props.notes]);
  return (
    <section aria-labelledby="notes-heading">
      <h2 id="notes-heading">Release notes</h2>
      <div class={props.canWrite ? 'columns' : ''}>
        {props.canWrite && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void props.save(notes);
            }}
          >
            <label for="release-notes">Markdown</label>
            <textarea
              id="release-notes"
              value={notes}
              onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)}
            />
            <button type="submit">Save notes</button>
          </form>
        )}
        <div>
          {props.canWrite && <p class="muted">Preview</p>}
          {/* renderMarkdown escapes raw HTML and drops unsafe links and images */}
          <div
            class="markdown"
            data-testid="notes-preview"
            dangerouslySetInnerHTML={{ __html: renderMarkdown(notes) }}
          />
        </div>
      </div>
    </section>
  );
}

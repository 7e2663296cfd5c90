/**
 * Serves catalog reads from memory. Three things are loaded lazily and kept until they change:
 * - the project index (every project with its channel ids: project lists, `available_projects`);
 * - one immutable snapshot per project (channels, versions, builds);
 * - the download counts per project, kept apart so that counting downloads never throws away the
 *   snapshot (and whatever the update service derives from it).
 * A write drops what it changed here and, through the event bus, on every other instance. Entries
 * also expire after the cache TTL, which bounds staleness if an event is ever missed; an expired
 * entry keeps answering while it reloads in the background. A per-key generation stops a load that
 * began before an invalidation from storing its stale result.
 */
import { BoundedMemo } from '../infra/bounded-memo.js';
import type { Clock } from '../infra/clock.js';
import type { EventBus } from '../infra/event-bus.js';
import type { CatalogRepo, ProjectRow } from './catalog-repo.js';
import {
  buildProjectSnapshot,
  type DownloadCounts,
  downloadKey,
  type ProjectInfo,
  type ProjectSnapshot,
  projectInfoOf,
} from './catalog-snapshot.js';

export const CATALOG_CHANGED_TOPIC = 'catalog.changed';
export const CATALOG_DOWNLOADS_TOPIC = 'catalog.downloads';

export interface CatalogChangedEvent {
  projectIds: string[];
}

/** A response body serialised once per read-model state, with its strong ETag. */
export interface SerializedBody {
  json: string;
  etag: string;
}
export type BodyMemo = BoundedMemo<SerializedBody>;

export interface ProjectSummary {
  project: ProjectInfo;
  channelIds: readonly string[];
}

export interface ProjectIndex {
  /** In creation order. */
  projects: readonly ProjectSummary[];
  byId: ReadonlyMap<string, ProjectSummary>;
  ids: readonly string[];
  bodies: BodyMemo;
}

/** What a read of one project works from: the snapshot, current counts and their body memo. */
export interface ProjectReadState {
  snapshot: ProjectSnapshot;
  counts: DownloadCounts;
  bodies: BodyMemo;
}

const MEMOISED_BODIES = 500;
const newMemo = (): BodyMemo => new BoundedMemo(MEMOISED_BODIES);

/** After a failed refresh, how long the stale value keeps being served before the next attempt. */
const RETRY_STALE_AFTER_MS = 5_000;

/**
 * A lazily loaded map whose loads never store results older than the last drop. A dropped or never
 * loaded key is loaded while the caller waits. An entry older than `ttlMs` (which bounds staleness if
 * an invalidation event was lost) is still served at once while one reload runs in the background:
 * on a large catalog a reload takes tens of milliseconds, and checks must not wait for it. A reload
 * that fails keeps the stale value and is retried after a few seconds.
 */
function createLoadingMap<V>(clock: Clock, ttlMs: number, load: (key: string) => Promise<V>) {
  const entries = new Map<string, { value: V; loadedAt: number }>();
  const inflight = new Map<string, Promise<V>>();
  const generations = new Map<string, number>();

  function startLoad(key: string): Promise<V> {
    const pending = inflight.get(key);
    if (pending !== undefined) return pending;
    const startedAt = generations.get(key) ?? 0;
    const loadedAt = clock.now();
    const promise = load(key)
      .then((value) => {
        if ((generations.get(key) ?? 0) === startedAt) entries.set(key, { value, loadedAt });
        return value;
      })
      .finally(() => {
        if (inflight.get(key) === promise) inflight.delete(key);
      });
    inflight.set(key, promise);
    return promise;
  }

  /** Serves a stale entry and refreshes it in the background, once at a time. */
  function refresh(key: string, entry: { value: V; loadedAt: number }): V {
    if (!inflight.has(key)) {
      startLoad(key).catch(() => {
        // Keep serving what we have; try again after a pause rather than on every request.
        if (entries.get(key) === entry) entry.loadedAt = clock.now() - ttlMs + RETRY_STALE_AFTER_MS;
      });
    }
    return entry.value;
  }

  return {
    async get(key: string): Promise<V> {
      const entry = entries.get(key);
      if (entry === undefined) return startLoad(key);
      if (clock.now() - entry.loadedAt < ttlMs) return entry.value;
      return refresh(key, entry);
    },
    /** The value when it is loaded, without waiting; a stale one starts its refresh. */
    peek(key: string): V | undefined {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (clock.now() - entry.loadedAt < ttlMs) return entry.value;
      return refresh(key, entry);
    },
    drop(key: string): void {
      generations.set(key, (generations.get(key) ?? 0) + 1);
      entries.delete(key);
      inflight.delete(key);
    },
    size: () => entries.size,
  };
}

function indexOf(
  projects: ProjectRow[],
  channels: { project_id: string; id: string; position: number }[],
): ProjectIndex {
  const sorted = [...channels].sort((a, b) => a.position - b.position);
  const summaries = projects.map((row) => ({
    project: projectInfoOf(row),
    channelIds: sorted.filter((channel) => channel.project_id === row.id).map((channel) => channel.id),
  }));
  return {
    projects: summaries,
    byId: new Map(summaries.map((summary) => [summary.project.id, summary])),
    ids: summaries.map((summary) => summary.project.id),
    bodies: newMemo(),
  };
}

export function createCatalogReadModel(deps: {
  repo: CatalogRepo;
  bus: EventBus;
  clock: Clock;
  ttlMs: number;
}) {
  const { repo, bus, clock, ttlMs } = deps;
  const INDEX = 'index';
  const index = createLoadingMap(clock, ttlMs, async () => {
    const rows = await repo.loadProjectSummaries();
    return indexOf(rows.projects, rows.channels);
  });
  const snapshots = createLoadingMap(clock, ttlMs, async (projectId) => {
    const rows = await repo.loadProjectRows(projectId);
    return rows === undefined ? undefined : buildProjectSnapshot(rows);
  });
  const counts = createLoadingMap(clock, ttlMs, async (projectId): Promise<DownloadCounts> => {
    const rows = await repo.loadDownloadCounts(projectId);
    return new Map(
      rows.map((row) => [downloadKey(row.channel_id, row.version, row.id), Number(row.downloads)]),
    );
  });
  // Bodies depend on exactly (snapshot, counts); keyed by identity they can never be stale.
  const memos = new WeakMap<ProjectSnapshot, WeakMap<DownloadCounts, BodyMemo>>();

  function memoFor(snapshot: ProjectSnapshot, current: DownloadCounts): BodyMemo {
    let byCounts = memos.get(snapshot);
    if (byCounts === undefined) {
      byCounts = new WeakMap();
      memos.set(snapshot, byCounts);
    }
    let memo = byCounts.get(current);
    if (memo === undefined) {
      memo = newMemo();
      byCounts.set(current, memo);
    }
    return memo;
  }

  function projectIdsOf(payload: unknown): string[] {
    const ids = (payload as Partial<CatalogChangedEvent> | null)?.projectIds;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  }

  bus.subscribe(CATALOG_CHANGED_TOPIC, (payload) => {
    index.drop(INDEX);
    for (const projectId of projectIdsOf(payload)) {
      snapshots.drop(projectId);
      counts.drop(projectId);
    }
  });
  bus.subscribe(CATALOG_DOWNLOADS_TOPIC, (payload) => {
    for (const projectId of projectIdsOf(payload)) counts.drop(projectId);
  });

  return {
    index: (): Promise<ProjectIndex> => index.get(INDEX),

    /** The project's snapshot, or undefined when no such project exists. Unknown ids never reach the database. */
    async snapshot(projectId: string): Promise<ProjectSnapshot | undefined> {
      if (!(await index.get(INDEX)).byId.has(projectId)) return undefined;
      return snapshots.get(projectId);
    },

    /**
     * The snapshot when it is already in memory and fresh; undefined when it is not (or when there is
     * no such project): then `snapshot` has the answer.
     */
    warmSnapshot(projectId: string): ProjectSnapshot | undefined {
      return index.peek(INDEX)?.byId.has(projectId) ? snapshots.peek(projectId) : undefined;
    },

    async readState(projectId: string): Promise<ProjectReadState | undefined> {
      const snapshot = await this.snapshot(projectId);
      if (snapshot === undefined) return undefined;
      const current = await counts.get(projectId);
      return { snapshot, counts: current, bodies: memoFor(snapshot, current) };
    },

    /** After a catalog write: drops the project (and the index) here and on every other instance. */
    async changed(projectIds: string[]): Promise<void> {
      await bus.publish(CATALOG_CHANGED_TOPIC, { projectIds } satisfies CatalogChangedEvent);
    },

    /** After download counts were written: drops only the counts. */
    async downloadsChanged(projectIds: string[]): Promise<void> {
      await bus.publish(CATALOG_DOWNLOADS_TOPIC, { projectIds } satisfies CatalogChangedEvent);
    },

    cachedSnapshots: () => snapshots.size(),
  };
}

export type CatalogReadModel = ReturnType<typeof createCatalogReadModel>;

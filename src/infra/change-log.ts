import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { BusEvent, EventTransport } from './event-bus.js';

export interface ChangeLogOptions {
  /** How often the log is read for other instances' events. */
  pollMs: number;
  onError: (error: unknown, context: string) => void;
}

/** Rows committed this long after a later row was read are still picked up. */
const LATE_COMMIT_SECONDS = 5;
/** How long events are kept: far longer than any instance takes to read them. */
const RETENTION_MINUTES = 10;
const PRUNE_EVERY_POLLS = 120;

/**
 * The event bus's transport through the shared PostgreSQL database: every event is a row of
 * `change_log`, and each instance reads the rows written since its last read every `pollMs`. It
 * works when Redis does not, so revocations and catalog changes reach every instance within about
 * `pollMs` plus one query even during a Redis outage; with Redis up, the bus hands each event on
 * once, whichever transport brings it first.
 *
 * Ids are assigned at insert and rows become visible at commit, so a row may appear behind one
 * already read: each read also takes the rows of the last few seconds (by the database's clock,
 * which every instance shares), and the bus drops what it has already handled.
 */
export function changeLogTransport(database: Database, options: ChangeLogOptions): EventTransport {
  const { db } = database;
  const receivers = new Map<string, (event: BusEvent) => void>();
  let cursor: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let polls = 0;
  let closed = false;

  async function readNew(): Promise<void> {
    if (cursor === undefined) {
      const newest = await db
        .selectFrom('change_log')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      cursor = Number(newest?.id ?? 0);
      return;
    }
    const rows = await db
      .selectFrom('change_log')
      .select(['id', 'event_id', 'origin', 'topic', 'payload'])
      .where((eb) =>
        eb.or([
          eb('id', '>', cursor!),
          eb('at', '>', sql<Date>`now() - make_interval(secs => ${LATE_COMMIT_SECONDS})`),
        ]),
      )
      .orderBy('id')
      .execute();
    for (const row of rows) {
      cursor = Math.max(cursor, Number(row.id));
      const receive = receivers.get(row.topic);
      if (receive === undefined) continue;
      receive({ id: row.event_id, origin: row.origin, topic: row.topic, payload: JSON.parse(row.payload) });
    }
  }

  async function prune(): Promise<void> {
    await db
      .deleteFrom('change_log')
      .where('at', '<', sql<Date>`now() - make_interval(mins => ${RETENTION_MINUTES})`)
      .execute();
  }

  async function poll(): Promise<void> {
    try {
      await readNew();
      if (++polls % PRUNE_EVERY_POLLS === 0) await prune();
    } catch (error) {
      if (!closed) options.onError(error, 'reading the change log');
    }
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      inFlight = poll().then(schedule);
    }, options.pollMs);
    timer.unref();
  }

  return {
    async send(event) {
      await db
        .insertInto('change_log')
        .values({
          event_id: event.id,
          origin: event.origin,
          topic: event.topic,
          payload: JSON.stringify(event.payload),
        })
        .execute();
    },
    async listen(topic, receive) {
      receivers.set(topic, receive);
      started ??= readNew()
        .catch((error: unknown) => options.onError(error, 'reading the change log'))
        .then(schedule);
      await started;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await inFlight;
      receivers.clear();
    },
  };
}

import { randomUUID } from 'node:crypto';
import { Db } from './db/client';

// One gateway process among several on one database. Work that lives only inside a process (the legs of the
// in-process carrier) is marked with the process's instance id; a heartbeat row says the process still runs.
// Times are the database's (now()), so instances on hosts with skewed clocks agree on staleness.

export interface InstanceSettings {
  /** How often the heartbeat is written. */
  heartbeatIntervalMs: number;
  /** An instance whose heartbeat is older than this is taken to be gone (with everything only it held). */
  staleAfterMs: number;
}

export interface Instance {
  id: string;
  staleAfterMs: number;
  /** Stops the heartbeat and marks the instance stopped, so others take over at once. */
  stop(): Promise<void>;
}

export interface InstanceState {
  /** Running: its heartbeat is fresh and it did not stop. */
  alive: boolean;
  /** When it was last known to run (its stop, else its last heartbeat); null for an instance with no row. */
  lastSeen: Date | null;
}

export async function registerInstance(db: Db, settings: InstanceSettings, onError: (err: unknown) => void): Promise<Instance> {
  const id = randomUUID();
  const beat = () => db.$executeRaw`
    INSERT INTO gateway_instances (id) VALUES (${id}::uuid)
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = now() WHERE gateway_instances.stopped_at IS NULL`;
  await beat();
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= beat()
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  }, settings.heartbeatIntervalMs);
  timer.unref();
  return {
    id,
    staleAfterMs: settings.staleAfterMs,
    async stop() {
      clearInterval(timer);
      await running;
      await db.$executeRaw`UPDATE gateway_instances SET stopped_at = now() WHERE id = ${id}::uuid AND stopped_at IS NULL`.catch(onError);
    },
  };
}

/** The state of each instance asked about; an id with no row (never registered, or removed) is not alive. */
export async function instanceStates(db: Db, ids: string[], staleAfterMs: number): Promise<Map<string, InstanceState>> {
  const states = new Map<string, InstanceState>(ids.map((id) => [id, { alive: false, lastSeen: null }]));
  if (ids.length === 0) return states;
  const rows = await db.$queryRaw<{ id: string; alive: boolean; last_seen: Date }[]>`
    SELECT id::text, (stopped_at IS NULL AND heartbeat_at > now() - make_interval(secs => ${staleAfterMs / 1000})) AS alive,
           COALESCE(stopped_at, heartbeat_at) AS last_seen
    FROM gateway_instances WHERE id = ANY(${ids}::uuid[])`;
  for (const r of rows) states.set(r.id, { alive: r.alive, lastSeen: r.last_seen });
  return states;
}

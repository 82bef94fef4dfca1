import { Prisma } from './client';

// PostgreSQL's own LISTEN/NOTIFY carries changes every gateway instance must hear whoever made them: the API,
// another instance, or the admin CLI (a separate process with no bus to the gateways). A notice is sent inside
// the transaction that makes the change and delivered only at its commit (never for a rollback), to every
// connection listening on the channel: see db/listener.ts.

/** Every channel, with the JSON payload its notices carry. */
export interface DbNotices {
  /** An API key was revoked: instances close the WebSockets it authenticated. */
  voepy_api_key_revoked: { tenantId: string; keyId: string };
  /** A tenant was suspended: instances close the WebSockets of all its keys. */
  voepy_tenant_suspended: { tenantId: string };
}

export type DbChannel = keyof DbNotices;

export const DB_CHANNELS: readonly DbChannel[] = ['voepy_api_key_revoked', 'voepy_tenant_suspended'];

/** Queues a notice on `channel`, sent when the transaction `tx` commits. */
export async function notifyOnCommit<C extends DbChannel>(tx: Prisma.TransactionClient, channel: C, payload: DbNotices[C]): Promise<void> {
  // pg_notify rather than NOTIFY: the channel and payload travel as bound parameters, never spliced into SQL.
  await tx.$executeRaw`SELECT pg_notify(${channel}, ${JSON.stringify(payload)})`;
}

import { createServer } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Pool } from 'pg';
import WebSocket, { WebSocketServer } from 'ws';

// Baseline for the subscription scenario: the least a server must do to push call status changes to many
// sockets. It speaks just enough graphql-transport-ws for the same client (key check on connection_init, one
// subscription per socket), and on each event (POST /emit from the driver, at the driver's rate) reads the call
// with raw pg once, stamps the payload's commit instant, builds the same payload JSON once and sends it to every
// socket: the fan-out cost with nothing in between.
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 5 });
const KEY = /^Bearer vpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

interface Subscription {
  socket: WebSocket;
  id: string;
}
const subscriptions = new Set<Subscription>();

async function keyIsValid(authorization: unknown): Promise<boolean> {
  const m = KEY.exec(typeof authorization === 'string' ? authorization : '');
  if (!m) return false;
  const { rows } = await pool.query(
    `SELECT k.secret_hash, t.status FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
    [m[1]],
  );
  const row = rows[0];
  return !!row && row.status === 'active' && timingSafeEqual(createHash('sha256').update(m[2]).digest(), Buffer.from(row.secret_hash, 'hex'));
}

interface EmitRequest {
  eventId: string;
  eventType: string;
  sequence: number;
  status: string;
  occurredAt: string;
  callId: string;
}

async function broadcast(event: EmitRequest): Promise<void> {
  const { rows } = await pool.query('SELECT id, status, from_number, to_number FROM calls WHERE id = $1', [event.callId]);
  const call = rows[0];
  const { callId, ...fields } = event;
  const data = JSON.stringify({
    data: { callStatusChanged: { ...fields, committedAt: new Date().toISOString(), call: { id: callId, status: call?.status ?? event.status, from: call?.from_number, to: call?.to_number } } },
  });
  for (const s of subscriptions) s.socket.send(`{"id":${JSON.stringify(s.id)},"type":"next","payload":${data}}`);
}

const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/emit') return void res.writeHead(404).end();
    res.writeHead(202).end();
    broadcast(JSON.parse(raw) as EmitRequest).catch((err) => process.stderr.write(`broadcast failed: ${err}\n`));
  });
});

const wss = new WebSocketServer({ server, path: '/graphql', handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false) });
wss.on('connection', (socket) => {
  let acknowledged = false;
  socket.on('message', async (raw) => {
    const message = JSON.parse(raw.toString()) as { type: string; id?: string; payload?: Record<string, unknown> };
    if (message.type === 'connection_init') {
      if (!(await keyIsValid(message.payload?.authorization))) return void socket.close(4401, 'invalid_credentials');
      acknowledged = true;
      socket.send('{"type":"connection_ack"}');
    } else if (message.type === 'subscribe' && acknowledged && message.id) {
      const subscription = { socket, id: message.id };
      subscriptions.add(subscription);
      socket.once('close', () => subscriptions.delete(subscription));
    } else if (message.type === 'ping') {
      socket.send('{"type":"pong"}');
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});

import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { createLogger } from '../../src/platform/http/logging';
import { createTestTenant, startTestGateway, TestGateway } from '../helpers/gateway';

// A bad WebSocket frame is reported through the gateway's logger (JSON, leveled, secrets scrubbed), never with
// console.error, and the socket is closed with the code that says what was wrong.
describe('bad WebSocket frames', () => {
  let gw: TestGateway;
  let key: string;
  const logged: Array<Record<string, unknown>> = [];
  const consoleCalls: string[] = [];

  beforeAll(async () => {
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void consoleCalls.push(`${level}: ${args.map(String).join(' ')}`));
    }
    const sink = new Writable({ write: (chunk, _enc, done) => void (String(chunk).split('\n').filter(Boolean).forEach((l) => logged.push(JSON.parse(l))), done()) });
    gw = await startTestGateway({ bodyLimitBytes: 16 * 1024 }, { logger: createLogger('info', sink) });
    key = (await createTestTenant(gw.prisma)).key;
  });
  afterAll(async () => {
    await gw.close();
    jest.restoreAllMocks();
  });

  const open = async () => {
    const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => undefined); // the server cuts the socket short
    return { socket, closed };
  };
  const refusals = () => logged.filter((l) => l.msg === 'websocket frame refused');

  it('a frame over the size limit: closed with 1009, one warning in the log, nothing on the console', async () => {
    const { socket, closed } = await open();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${key}`, pad: 'x'.repeat(20 * 1024) } }));
    expect(await closed).toBe(1009);
    await new Promise((r) => setTimeout(r, 50));
    expect(refusals()).toEqual([expect.objectContaining({ level: 40, wsError: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' })]);
    expect(JSON.stringify(logged)).not.toContain(key);
    expect(consoleCalls).toEqual([]);
  });

  it('a text frame that is not UTF-8: closed with 1007, logged, nothing on the console', async () => {
    const { socket, closed } = await open();
    socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await closed).toBe(1007);
    await new Promise((r) => setTimeout(r, 50));
    expect(refusals().map((l) => l.wsError)).toContain('WS_ERR_INVALID_UTF8');
    expect(consoleCalls).toEqual([]);
  });

  it('a message that is not graphql-ws JSON: closed with 4400 by the protocol, nothing on the console', async () => {
    const { socket, closed } = await open();
    socket.send('{not json');
    expect(await closed).toBe(4400);
    expect(consoleCalls).toEqual([]);
  });
});

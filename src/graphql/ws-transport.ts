import type { IncomingMessage } from 'node:http';
import { CloseCode, ConnectionInitMessage, handleProtocols, makeServer, ServerOptions } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';

// graphql-ws's own `ws` binding (graphql-ws/use/ws) reports bad frames, socket errors and failures inside our
// hooks with console.error: outside the gateway's logger, so outside its JSON lines, its level and its secret
// scrubber. The library has no logging hook (its maintainers leave logging to the binding), so the gateway binds
// graphql-ws's transport-neutral server (makeServer) to `ws` itself, and every such report goes to the logger.

/** What each graphql-ws context's `extra` carries here, as with graphql-ws's own binding. */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export interface TransportOptions {
  logger: Logger;
  /** Ping every this often; a socket that does not answer before the next ping is cut (a dead peer). */
  keepAliveMs?: number;
}

const INTERNAL_ERROR_REASON = 'Internal server error'; // never the error's own text: it may hold details

export function serveGraphqlWs<P extends ConnectionInitMessage['payload'], E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, SocketExtra & Partial<E>>,
  wss: WebSocketServer,
  { logger, keepAliveMs = 12_000 }: TransportOptions,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;

  wss.on('error', (err) => {
    logger.error({ err }, 'websocket server error');
    for (const socket of wss.clients) socket.close(CloseCode.InternalServerError, INTERNAL_ERROR_REASON);
  });

  wss.on('connection', (socket, request) => {
    // A frame `ws` refuses (over the size limit, invalid UTF-8, a bad opcode or reserved bit) arrives here after
    // `ws` has already closed the socket with the code that says why (1009, 1007, 1002): a client's mistake, so a
    // warning with that code, not an internal error.
    socket.once('error', (err: Error & { code?: string }) => {
      logger.warn({ wsError: err.code ?? err.name, message: err.message, remote: request.socket.remoteAddress }, 'websocket frame refused');
      if (socket.readyState === socket.OPEN) socket.close(CloseCode.InternalServerError, INTERNAL_ERROR_REASON);
    });

    let pongDue: NodeJS.Timeout | undefined;
    const keepAlive = keepAliveMs > 0 && Number.isFinite(keepAliveMs)
      ? setInterval(() => {
          if (socket.readyState !== socket.OPEN) return;
          pongDue = setTimeout(() => socket.terminate(), keepAliveMs);
          socket.once('pong', () => clearTimeout(pongDue));
          socket.ping();
        }, keepAliveMs)
      : undefined;

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            // A socket closing meanwhile (revoked key, client gone) just stops receiving.
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (err) {
              // graphql-ws answers protocol mistakes itself (4400 and the like); what lands here threw in the
              // gateway's own hooks: an internal error, logged, and the socket closed with 1011.
              logger.error({ err }, 'websocket message handling failed');
              socket.close(CloseCode.InternalServerError, INTERNAL_ERROR_REASON);
            }
          }),
      },
      { socket, request } as SocketExtra & Partial<E>,
    );

    socket.once('close', (code, reason) => {
      clearTimeout(pongDue);
      clearInterval(keepAlive);
      void closed(code, String(reason)).catch((err) => logger.error({ err }, 'websocket close handling failed'));
    });
  });

  return {
    async dispose() {
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

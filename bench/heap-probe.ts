// Preloaded into the gateway process by `npm run soak` (node --expose-gc --require dist/bench/heap-probe.js):
// on each 'heap' message over the IPC channel, a full garbage collection, then the heap in use is sent back.
// The heap after a GC is what the process really keeps; RSS also holds garbage not yet collected and memory V8
// keeps for reuse, which is why a growing RSS alone proves no leak (and a flat one no absence of one).

type Gc = (options?: { type: 'major'; execution: 'sync' }) => void;

if (process.send) {
  process.on('message', (message) => {
    if (message !== 'heap') return;
    const gc = (globalThis as { gc?: Gc }).gc;
    if (!gc) {
      process.send!({ error: 'run with --expose-gc' });
      return;
    }
    const started = process.hrtime.bigint();
    gc();
    const gcMs = Number(process.hrtime.bigint() - started) / 1e6;
    const { heapUsed, rss } = process.memoryUsage();
    process.send!({ heapUsed, rss, gcMs });
  });
  // The channel must not keep a gateway alive that was told to stop (after the listener: adding one refs it).
  process.channel?.unref();
}

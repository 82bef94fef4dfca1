import { createSourceEventStream, execute, ExecutionArgs, ExecutionResult, print } from 'graphql';
import { GatewayContext } from './context';

// Subscription events executed once per audience instead of once per subscriber. graphql-js runs the selection
// of every subscriber for its copy of an event; subscribers of one tenant with the same scopes, document and
// variables get the same result, so the first one's execution is shared with the others. The pub/sub hands every
// listener the same payload object, which keys the shared results: they live exactly as long as the event.

const resultsByEvent = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

/** Who may share a result: the tenant and its key's scopes (what resolvers and field authorization depend on). */
function audienceOf(context: unknown): string | undefined {
  const actor = (context as GatewayContext | undefined)?.auth?.actor;
  return actor ? `${actor.tenantId}|${[...actor.scopes].sort().join(',')}` : undefined;
}

/** graphql-ws `subscribe`: the source stream as graphql-js builds it, each event executed through the shared results. */
export async function subscribeSharingResults(args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in Object(stream))) return stream as ExecutionResult;
  const audience = audienceOf(args.contextValue);
  const key = audience && `${audience}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}\n${print(args.document)}`;
  return mapEvents(stream as AsyncIterable<unknown>, (payload) => {
    // A context per event (graphql-ws builds one per subscription): DataLoaders keyed by it then read fresh rows
    // for each event instead of serving the first event's for the subscription's whole life.
    const run = async () => execute({ ...args, rootValue: payload, contextValue: { ...(args.contextValue as object) } });
    if (!key || typeof payload !== 'object' || payload === null) return run();
    let results = resultsByEvent.get(payload);
    if (!results) resultsByEvent.set(payload, (results = new Map()));
    let shared = results.get(key);
    if (!shared) results.set(key, (shared = run()));
    // A result with errors is not shared: its messages name the request (connection) that produced them.
    return shared.then((result) => (result.errors?.length ? run() : result));
  });
}

/** Maps an async stream; closing the mapped stream closes the source at once, even while it waits for an event. */
function mapEvents<T, U>(source: AsyncIterable<T>, map: (value: T) => Promise<U>): AsyncIterableIterator<U> {
  const it = source[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: await map(r.value) };
    },
    async return() {
      await it.return?.();
      return { done: true, value: undefined };
    },
    async throw(err: unknown) {
      await it.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

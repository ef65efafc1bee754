import { LakebenchError } from '../errors';
import {
  checkEvent,
  createApiHost,
  createClient,
  EventBus,
  type ApiHost,
  type CallContext,
  type ClientTransport,
  type HostOptions,
  type LakebenchClient,
  type RequestHandlers,
} from './client';
import { requestNames, type EventName, type EventPayload, type RequestName } from './contract';

/**
 * The in-memory transport: the renderer's client and a host built from typed handlers in one process, with no
 * wire between them. Tests use it in place of Electron IPC or the WebSocket: every call goes through
 * `createApiHost`, so its arguments are validated against the contract (defaults filled in) exactly as the real
 * host does, and a handler's error comes back as the same LakebenchError.
 */

export interface MemoryClientOptions extends HostOptions {
  /** The id the host sees for this client, and that events addressed `to` one client are matched against. */
  clientId?: string;
  /**
   * Copy each result the way a transport does (structured clone), so the caller never shares objects with the
   * handler. On by default.
   */
  cloneResults?: boolean;
}

/** A request that reached a handler: its arguments as the host parsed them (defaults filled in). */
export interface MemoryCall {
  method: RequestName;
  args: unknown;
}

export interface MemoryApi {
  /** The client to give the code under test: the same interface the renderer uses. */
  client: LakebenchClient;
  /** The host side, for a test that dispatches directly. */
  host: ApiHost;
  /** Every valid request so far, in order, answered or not; a test may empty it. */
  calls: MemoryCall[];
  /**
   * Pushes a server event to the client, checked against the contract first: a payload the real host could not
   * send fails the test at the emit, not later in a listener.
   */
  emit<E extends EventName>(name: E, payload: EventPayload<E>, to?: string): void;
  /** Sets or replaces handlers from now on (e.g. per test); `null` for a name takes its handler away. */
  handle(handlers: { [K in RequestName]?: RequestHandlers[K] | null }): void;
}

/** A request the test gave no handler for fails loudly, naming it, rather than answering undefined. */
function unhandled(method: RequestName): Promise<never> {
  return Promise.reject(
    new LakebenchError('UNKNOWN_METHOD', `${method} has no handler in this in-memory API`),
  );
}

type AnyHandler = (args: unknown, ctx: CallContext) => Promise<unknown>;

export function createMemoryClient(
  handlers: Partial<RequestHandlers>,
  options: MemoryClientOptions = {},
): MemoryApi {
  const clientId = options.clientId ?? 'memory';
  const cloneResults = options.cloneResults ?? true;
  const current = new Map<RequestName, AnyHandler>(Object.entries(handlers) as [RequestName, AnyHandler][]);
  const calls: MemoryCall[] = [];
  // The host looks a handler up at each call, so `handle` changes the answers from the next call on.
  const full = Object.fromEntries(
    requestNames.map((name) => [
      name,
      (args: unknown, ctx: CallContext) => {
        calls.push({ method: name, args });
        const handler = current.get(name);
        return handler ? handler(args, ctx) : unhandled(name);
      },
    ]),
  ) as unknown as RequestHandlers;
  const bus = new EventBus();
  const host = createApiHost(full, bus, { validateResults: options.validateResults });

  const transport: ClientTransport = {
    async request(method, args) {
      const reply = await host.dispatch(method, args, { clientId });
      return reply.ok && cloneResults ? { ok: true, value: structuredClone(reply.value) } : reply;
    },
    subscribe(listener) {
      return host.subscribe((name, payload, to) => {
        if (to === undefined || to === clientId) listener(name, payload);
      });
    },
  };

  return {
    client: createClient(transport),
    host,
    calls,
    handle(more) {
      for (const [name, handler] of Object.entries(more) as [RequestName, AnyHandler | null][]) {
        if (handler) current.set(name, handler);
        else current.delete(name);
      }
    },
    emit(name, payload, to) {
      const problem = checkEvent(name, payload);
      if (problem)
        throw new LakebenchError('INVALID_REQUEST', `a server event the contract refuses: ${problem}`);
      bus.emit(name, payload, to);
    },
  };
}

// shared/ has no DOM or Node types; both runtimes have structuredClone.
declare function structuredClone<T>(value: T): T;

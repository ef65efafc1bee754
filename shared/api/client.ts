import { LakebenchError, toErrorData, type LakebenchErrorData } from '../errors';
import {
  events,
  isEventName,
  isRequestName,
  requests,
  type EventName,
  type EventPayload,
  type RequestArgs,
  type RequestName,
  type RequestParsedArgs,
  type RequestResult,
} from './contract';

// shared/ has no DOM or Node types; both runtimes have a console, which is all this needs.
declare const console: { error(...args: unknown[]): void };

/** What crosses any transport in answer to a request: a value, or an error as data. */
export type ResponseEnvelope = { ok: true; value: unknown } | { ok: false; error: LakebenchErrorData };

/** Client side of a transport (Electron IPC, WebSocket, in-memory). */
export interface ClientTransport {
  request(method: string, args: unknown): Promise<ResponseEnvelope>;
  subscribe(listener: (name: string, payload: unknown) => void): () => void;
}

/** The renderer's one client type, whatever carries it. */
export interface LakebenchClient {
  call<K extends RequestName>(method: K, args: RequestArgs<K>): Promise<RequestResult<K>>;
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
}

export function createClient(transport: ClientTransport): LakebenchClient {
  const handlers = new Map<string, Set<(payload: unknown) => void>>();
  transport.subscribe((name, payload) => {
    const set = handlers.get(name);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(payload);
      } catch (err) {
        // A failing listener must not stop the others from hearing the event.
        console.error(`Lakebench: a listener of ${name} failed`, err);
      }
    }
  });
  return {
    async call(method, args) {
      const reply = await transport.request(method, args);
      if (!reply.ok) throw LakebenchError.from(reply.error);
      return reply.value as RequestResult<typeof method>;
    },
    on(event, handler) {
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      const h = handler as (payload: unknown) => void;
      set.add(h);
      return () => set.delete(h);
    },
  };
}

/** Per-call facts the host knows: which client asked, so a service can answer it alone if it must. */
export interface CallContext {
  clientId: string;
}

/** The services' side: one async function per request, typed from the contract. */
export type RequestHandlers = {
  [K in RequestName]: (args: RequestParsedArgs<K>, ctx: CallContext) => Promise<RequestResult<K>>;
};

/** An event listener; `to` names the one client an event is for (e.g. its own query's batches), if any. */
export type EventListener = (name: EventName, payload: unknown, to?: string) => void;

/** What every transport's host side serves: validated dispatch plus the event stream. */
export interface ApiHost {
  dispatch(method: unknown, args: unknown, ctx: CallContext): Promise<ResponseEnvelope>;
  subscribe(listener: EventListener): () => void;
}

/** Typed publishing of events, checked against the contract's names. */
export interface EventSink {
  emit<E extends EventName>(name: E, payload: EventPayload<E>, to?: string): void;
}

/** A sink whose events all go to one client. */
export function sinkFor(sink: EventSink, clientId: string): EventSink {
  return { emit: (name, payload) => sink.emit(name, payload, clientId) };
}

export class EventBus implements EventSink {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>, to?: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(name, payload, to);
      } catch (err) {
        console.error(`Lakebench: an event listener of ${name} failed`, err);
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function describeIssues(method: string, issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const parts = issues.slice(0, 5).map((i) => {
    const where = i.path.length ? i.path.map(String).join('.') : '(arguments)';
    return `${where}: ${i.message}`;
  });
  return `invalid arguments to ${method}: ${parts.join('; ')}`;
}

export interface HostOptions {
  /** Check every result against the contract too (tests turn this on). */
  validateResults?: boolean;
}

/** Builds the host side from the handlers: every input is validated before a service sees it. */
export function createApiHost(
  handlers: RequestHandlers,
  bus: { subscribe(listener: EventListener): () => void },
  options: HostOptions = {},
): ApiHost {
  return {
    async dispatch(method, args, ctx) {
      if (!isRequestName(method)) {
        return {
          ok: false,
          error: { code: 'UNKNOWN_METHOD', message: `unknown request ${JSON.stringify(method)}` },
        };
      }
      const spec = requests[method];
      const parsed = spec.input.safeParse(args ?? {});
      if (!parsed.success) {
        return {
          ok: false,
          error: { code: 'INVALID_REQUEST', message: describeIssues(method, parsed.error.issues) },
        };
      }
      try {
        const handler = handlers[method] as (a: unknown, c: CallContext) => Promise<unknown>;
        const value = await handler(parsed.data, ctx);
        if (options.validateResults) {
          const checked = spec.output.safeParse(value);
          if (!checked.success) {
            return {
              ok: false,
              error: {
                code: 'INTERNAL',
                message: describeIssues(`the result of ${method}`, checked.error.issues),
              },
            };
          }
        }
        return { ok: true, value };
      } catch (err) {
        return { ok: false, error: toErrorData(err) };
      }
    },
    subscribe(listener) {
      return bus.subscribe(listener);
    },
  };
}

/** Checks an event payload against the contract (used by tests and by hosts in debug builds). */
export function checkEvent(name: unknown, payload: unknown): string | null {
  if (!isEventName(name)) return `unknown event ${JSON.stringify(name)}`;
  const r = events[name].safeParse(payload);
  return r.success ? null : describeIssues(name, r.error.issues);
}

import type { EventBus, RequestHandlers } from '../../shared/api/client';
import type { LakebenchCore, CoreOptions } from './app';
import type { OperationRegistry } from './operations';

/** What a service gets when its workspace opens: the folder, the core's bus, and the services it depends on. */
export interface ServiceContext {
  /** The workspace folder being opened (absolute). */
  readonly root: string;
  /** Whether a missing folder may be created. */
  readonly create: boolean;
  readonly options: CoreOptions;
  readonly bus: EventBus;
  readonly operations: OperationRegistry;
  /** An opened dependency; only those named in `dependsOn` are given. */
  use<T>(service: ServiceDefinition<T, object>): T;
}

/**
 * One service of the core, as the one list in app.ts registers it. A workspace opens its services in
 * dependency order (each after everything in its `dependsOn`) and closes them in the reverse order.
 */
export interface ServiceDefinition<T = unknown, R extends object = object> {
  readonly name: string;
  /** The services this one uses; dependencies are the definitions themselves, so a cycle cannot be written. */
  readonly dependsOn: readonly AnyServiceDefinition[];
  /** The service's requests and events in the contract (`shared/<service>/contract.ts`). */
  readonly requests: R;
  readonly events: object;
  /** Opens the service for a workspace; a failure closes what was opened before and the open fails. */
  open(ctx: ServiceContext): T | Promise<T>;
  /**
   * Called once the new workspace is the current one (the old one is closed): watchers, schedulers and
   * background work start here. May return what stops them, called before `close`.
   */
  start?(instance: T, ctx: ServiceContext): void | (() => void);
  close(instance: T): void | Promise<void>;
  /** One handler per request of `requests`. */
  handlers(core: LakebenchCore): Pick<RequestHandlers, keyof R & keyof RequestHandlers>;
}

/**
 * A service of any instance and contract type, as dependency lists and the registry hold them. (`unknown`
 * would not do: a definition takes its instance as a parameter of `close` and `start`, so it is not a
 * subtype of a definition of `unknown`.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: variance of the instance type
export type AnyServiceDefinition = ServiceDefinition<any, object>;

/** Declares a service with its types inferred. */
export function defineService<T, R extends object>(
  definition: ServiceDefinition<T, R>,
): ServiceDefinition<T, R> {
  return definition;
}

/** The services in an order that opens each after its dependencies; throws on a cycle. */
export function dependencyOrder<S extends AnyServiceDefinition>(services: readonly S[]): S[] {
  const order: S[] = [];
  const state = new Map<S, 'visiting' | 'done'>();
  const visit = (s: S, path: string[]) => {
    const seen = state.get(s);
    if (seen === 'done') return;
    if (seen === 'visiting')
      throw new Error(`services depend on each other: ${[...path, s.name].join(' -> ')}`);
    state.set(s, 'visiting');
    for (const dep of s.dependsOn) {
      if (!services.includes(dep as unknown as S)) {
        throw new Error(`service ${s.name} depends on ${dep.name}, which is not registered`);
      }
      visit(dep as unknown as S, [...path, s.name]);
    }
    state.set(s, 'done');
    order.push(s);
  };
  for (const s of services) visit(s, []);
  return order;
}

import type { EventBus } from '../../shared/api/client';
import type { EventName, EventPayload } from '../../shared/api/contract';
import type { OperationKind, OperationProgress } from '../../shared/api/operations';
import { LakebenchError } from '../../shared/errors';

/** What an operation's own events say about it: how far it got, or that it ended. */
export type OperationUpdate = Pick<OperationProgress, 'done' | 'total' | 'message' | 'finished'>;

/** One of a service's events that tells about an operation: which field names it, and what it says. */
export interface OperationEvent {
  event: EventName;
  /** The payload field that holds the operation id (queryId, executionId, runId). */
  key: string;
  update(payload: unknown): OperationUpdate | null;
}

/** Declares an event an operation follows, typed by the event's payload. */
export function follows<E extends EventName>(
  event: E,
  key: keyof EventPayload<E> & string,
  update: (payload: EventPayload<E>) => OperationUpdate | null,
): OperationEvent {
  return { event, key, update: update as (payload: unknown) => OperationUpdate | null };
}

export interface OperationSpec {
  id: string;
  kind: OperationKind;
  /** Stops the work; resolves false when there was nothing left to stop. */
  cancel(): boolean | Promise<boolean>;
  /**
   * The service's own events (its progress and end events) that are about this operation, turned into
   * progress; the update with `finished` ends the operation. Without them, the service calls `finish` itself.
   */
  follow?: OperationEvent[];
  /** The client the progress is for (a query's progress goes to the client that ran it); else everyone. */
  to?: string;
  /** The workspace the operation belongs to: its operations are dropped when that workspace closes. */
  scope?: string;
}

export interface OperationHandle {
  readonly id: string;
  progress(update: OperationUpdate): void;
  finish(message?: string): void;
}

/**
 * The long operations running now, of every kind: one place that cancels them by id and publishes their
 * progress as `operations.onProgress`. Services register what they start; the API's `operations.cancel` and
 * the older per-service cancel requests both end up here or in the service's own cancel.
 */
export class OperationRegistry {
  private readonly running = new Map<string, OperationSpec>();
  /** event name -> payload key -> operation id -> what the event means for it: one lookup per event. */
  private readonly followers = new Map<string, Map<string, Map<string, OperationEvent>>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly bus: EventBus) {
    this.unsubscribe = bus.subscribe((name, payload) => {
      const byKey = this.followers.get(name);
      if (!byKey || !payload || typeof payload !== 'object') return;
      for (const [key, byId] of byKey) {
        const id: unknown = (payload as Record<string, unknown>)[key];
        const follow: OperationEvent | undefined = typeof id === 'string' ? byId.get(id) : undefined;
        const spec = typeof id === 'string' ? this.running.get(id) : undefined;
        if (!follow || !spec) continue;
        const update = follow.update(payload);
        if (update) this.publish(spec, update);
      }
    });
  }

  /** Registers a started operation; an id that is running already is refused. */
  start(spec: OperationSpec): OperationHandle {
    if (this.running.has(spec.id)) {
      throw new LakebenchError('ALREADY_EXISTS', `an operation with id ${spec.id} is already running`);
    }
    this.running.set(spec.id, spec);
    for (const f of spec.follow ?? []) {
      let byKey = this.followers.get(f.event);
      if (!byKey) this.followers.set(f.event, (byKey = new Map()));
      let byId = byKey.get(f.key);
      if (!byId) byKey.set(f.key, (byId = new Map()));
      byId.set(spec.id, f);
    }
    return {
      id: spec.id,
      progress: (update) => {
        if (this.running.get(spec.id) === spec) this.publish(spec, update);
      },
      finish: (message) => {
        if (this.running.get(spec.id) === spec) this.publish(spec, { finished: true, message });
      },
    };
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  list(): { operationId: string; kind: OperationKind }[] {
    return [...this.running.values()].map((s) => ({ operationId: s.id, kind: s.kind }));
  }

  async cancel(id: string): Promise<boolean> {
    const spec = this.running.get(id);
    if (!spec) return false;
    return spec.cancel();
  }

  /** Forgets the operations of a workspace that closed (their services stopped them). */
  dropScope(scope: string): void {
    for (const spec of [...this.running.values()]) if (spec.scope === scope) this.forget(spec);
  }

  close(): void {
    this.unsubscribe();
    this.running.clear();
    this.followers.clear();
  }

  private forget(spec: OperationSpec): void {
    if (this.running.get(spec.id) !== spec) return;
    this.running.delete(spec.id);
    for (const f of spec.follow ?? []) this.followers.get(f.event)?.get(f.key)?.delete(spec.id);
  }

  private publish(spec: OperationSpec, update: OperationUpdate): void {
    if (update.finished) this.forget(spec);
    const payload: OperationProgress = { operationId: spec.id, kind: spec.kind };
    if (update.done !== undefined) payload.done = update.done;
    if (update.total !== undefined) payload.total = update.total;
    if (update.message !== undefined) payload.message = update.message;
    if (update.finished) payload.finished = true;
    this.bus.emit('operations.onProgress', payload, spec.to);
  }
}

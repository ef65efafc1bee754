import type { EventBus } from '../../shared/api/client';
import type { EventName } from '../../shared/api/contract';
import type { OperationKind, OperationProgress } from '../../shared/api/operations';
import { LakebenchError } from '../../shared/errors';

/** What an operation's own events say about it: how far it got, or that it ended. */
export type OperationUpdate = Pick<OperationProgress, 'done' | 'total' | 'message' | 'finished'>;

export interface OperationSpec {
  id: string;
  kind: OperationKind;
  /** Stops the work; resolves false when there was nothing left to stop. */
  cancel(): boolean | Promise<boolean>;
  /**
   * Reads the service's own events (its progress and end events) and turns those about this operation into
   * progress; the one with `finished` ends the operation. Without it, the service calls `finish` itself.
   */
  follow?(name: EventName, payload: unknown): OperationUpdate | null;
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
  private readonly unsubscribe: () => void;

  constructor(private readonly bus: EventBus) {
    this.unsubscribe = bus.subscribe((name, payload) => {
      if (name === 'operations.onProgress' || this.running.size === 0) return;
      for (const spec of [...this.running.values()]) {
        const update = spec.follow?.(name, payload);
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
    for (const [id, spec] of this.running) if (spec.scope === scope) this.running.delete(id);
  }

  close(): void {
    this.unsubscribe();
    this.running.clear();
  }

  private publish(spec: OperationSpec, update: OperationUpdate): void {
    if (update.finished) this.running.delete(spec.id);
    const payload: OperationProgress = { operationId: spec.id, kind: spec.kind };
    if (update.done !== undefined) payload.done = update.done;
    if (update.total !== undefined) payload.total = update.total;
    if (update.message !== undefined) payload.message = update.message;
    if (update.finished) payload.finished = true;
    this.bus.emit('operations.onProgress', payload, spec.to);
  }
}

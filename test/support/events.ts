import type { EventName, EventPayload } from '../../shared/api/contract';
import type { EventSink } from '../../shared/api/client';

/** An event sink that records what was emitted and lets a test wait for one event. */
export class RecordingSink implements EventSink {
  readonly events: { name: EventName; payload: unknown; to?: string }[] = [];
  private waiters: {
    match: (name: EventName, payload: unknown) => boolean;
    resolve: (p: unknown) => void;
  }[] = [];

  emit<E extends EventName>(name: E, payload: EventPayload<E>, to?: string): void {
    this.events.push({ name, payload, to });
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(name, payload)) return true;
      w.resolve(payload);
      return false;
    });
  }

  of<E extends EventName>(name: E): EventPayload<E>[] {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<E>);
  }

  waitFor<E extends EventName>(
    name: E,
    match: (payload: EventPayload<E>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<EventPayload<E>> {
    const already = this.of(name).find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${name}`)), timeoutMs);
      this.waiters.push({
        match: (n, p) => n === name && match(p as EventPayload<E>),
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p as EventPayload<E>);
        },
      });
    });
  }
}

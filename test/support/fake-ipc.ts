import type { IpcInvokeEventLike, IpcMainLike } from '../../electron/main/ipc-host';
import type { IpcRendererLike } from '../../electron/preload/bridge';

/**
 * In-memory stand-ins for ipcMain and a window's webContents + ipcRenderer. Payloads are structured-cloned in
 * both directions, as Electron does, and a handler that throws rejects `invoke` with a flattened message.
 */
type Listener = (event: unknown, ...args: unknown[]) => void;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();

  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  async invoke(from: FakeWindow, channel: string, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    const event: IpcInvokeEventLike = { sender: { id: from.id }, senderFrame: from.frame };
    try {
      return structuredClone(await handler(event, ...structuredClone(args)));
    } catch (err) {
      throw new Error(`Error invoking remote method '${channel}': ${String(err)}`);
    }
  }
}

export class FakeWindow {
  private readonly listeners = new Map<string, Set<Listener>>();
  frame: { url: string; parent: unknown } | null;
  readonly ipcRenderer: IpcRendererLike;

  constructor(
    ipcMain: FakeIpcMain,
    readonly id: number,
    url = 'app://lakebench/index.html',
  ) {
    this.frame = { url, parent: null };
    this.ipcRenderer = {
      invoke: (channel, ...args) => ipcMain.invoke(this, channel, args),
      on: (channel, listener) => {
        let set = this.listeners.get(channel);
        if (!set) this.listeners.set(channel, (set = new Set()));
        set.add(listener);
      },
      removeListener: (channel, listener) => {
        this.listeners.get(channel)?.delete(listener);
      },
    };
  }

  /** webContents.send */
  send(channel: string, ...args: unknown[]): void {
    const cloned = structuredClone(args);
    for (const listener of [...(this.listeners.get(channel) ?? [])])
      listener({ sender: this.ipcRenderer }, ...cloned);
  }

  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
}

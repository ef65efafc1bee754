import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createClient, type LakebenchClient } from '../../shared/api/client';
import { LakebenchCore } from '../../electron/core/app';
import { EVENT_CHANNEL, eventMessage, serveApiOverIpc } from '../../electron/main/ipc-host';
import { isAppUrl } from '../../electron/main/renderer-protocol';
import { createBridge } from '../../electron/preload/bridge';
import { createIpcTransport } from '../../renderer/api/ipc-transport';
import { contractCases } from '../support/contract-cases';
import { FakeIpcMain, FakeWindow } from '../support/fake-ipc';
import { tempDir } from '../support/temp';

/** The same contract cases the WebSocket test runs, through the desktop app's IPC adapter and a real core. */
let core: LakebenchCore;
let client: LakebenchClient;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  core = await LakebenchCore.open({
    workspacePath: path.join(tmp.dir, 'ws'),
    version: '0.1.0',
    validateResults: true,
  });
  const ipcMain = new FakeIpcMain();
  const win = new FakeWindow(ipcMain, 1);
  serveApiOverIpc(
    ipcMain,
    core.host,
    (name, payload) => win.send(EVENT_CHANNEL, eventMessage(name, payload)),
    {
      isOurWebContents: (id) => id === win.id,
      isTrustedUrl: isAppUrl,
    },
  );
  client = createClient(createIpcTransport(createBridge(win.ipcRenderer)));
});
afterAll(async () => {
  await core.close();
  await cleanup();
});

describe('the API over Electron IPC, with a real core', () => {
  for (const [name, run] of Object.entries(contractCases)) it(name, () => run(client));
});

// The desktop shell: one hardened window over the renderer, the API served over IPC, a native menu.
// Everything Lakebench does lives in electron/core; this file only wires it to Electron.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  screen,
  session,
  shell,
  type MessageBoxOptions,
  type OpenDialogOptions,
  type WebContents,
} from 'electron';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MenuCommand, WorkspaceInfo } from '../../shared/api/contract';
import { formatLocation, toErrorData } from '../../shared/errors';
import { LakebenchCore } from '../core/app';
import { prepareSampleWorkspace } from '../core/sample/index';
import {
  parseAppState,
  readJsonFile,
  workspaceFromArgv,
  writeJsonFile,
  writeJsonFileSync,
} from './app-state';
import { EVENT_CHANNEL, eventMessage, serveApiOverIpc } from './ipc-host';
import { buildMenuTemplate } from './menu';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME,
  contentTypeFor,
  cspFromHtml,
  DEFAULT_CSP,
  isAppUrl,
  isExternalWebUrl,
  resolveRendererFile,
} from './renderer-protocol';
import { MIN_WINDOW_SIZE, restoreWindowState, windowStateToSave, type Rect } from './window-state';

// dist/electron/main.js -> dist/electron/preload.cjs and dist/renderer/.
const here = path.dirname(fileURLToPath(import.meta.url));
const preloadPath = path.join(here, 'preload.cjs');
const rendererRoot = path.join(here, '..', 'renderer');

const isMac = process.platform === 'darwin';
const CORE_CLOSE_TIMEOUT_MS = 10_000;

// One profile folder whatever way the app was started (`electron .` would otherwise use the npm name).
app.setPath('userData', path.join(app.getPath('appData'), 'Lakebench'));
const windowStateFile = () => path.join(app.getPath('userData'), 'window-state.json');
const appStateFile = () => path.join(app.getPath('userData'), 'state.json');

if (app.isPackaged) {
  // electron-builder copies resources/ beside app.asar (extraResources) so Python can read the bridge from disk.
  process.env.LAKEBENCH_RESOURCES ??= path.join(process.resourcesPath, 'resources');
}

protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
  },
]);
app.enableSandbox();

let core: LakebenchCore | null = null;
let mainWindow: BrowserWindow | null = null;
let stopServingApi: (() => void) | null = null;
let workspaceRoot: string | null = null;
let contentSecurityPolicy = DEFAULT_CSP;
let quitState: 'running' | 'closing' | 'closed' = 'running';
let switchingWorkspace = false;

if (!app.requestSingleInstanceLock()) {
  // Another Lakebench is running: it focuses its window (second-instance below); this one leaves at once.
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.show();
      mainWindow.focus();
    }
    const requested = workspaceFromArgv(argv, workingDirectory);
    if (requested && requested !== workspaceRoot) void switchWorkspace(requested);
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => {
    if (!isMac) app.quit();
  });
  app.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
  app.on('before-quit', (event) => {
    if (quitState === 'closed') return;
    // Hold the quit until DuckDB and the other stores are closed cleanly, then quit for real.
    event.preventDefault();
    if (quitState === 'closing') return;
    quitState = 'closing';
    void shutdown().finally(() => {
      quitState = 'closed';
      app.quit();
    });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox('Lakebench could not start', describeError(err));
      app.exit(1);
    });
}

async function start(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId('dev.lakebench.app');
  const indexHtml = await readFile(path.join(rendererRoot, 'index.html'), 'utf8').catch(() => null);
  if (indexHtml === null) {
    dialog.showErrorBox(
      'Lakebench could not start',
      `The user interface is missing (${path.join(rendererRoot, 'index.html')}). Run "npm run build" first.`,
    );
    app.exit(1);
    return;
  }
  contentSecurityPolicy = withFrameAncestors(cspFromHtml(indexHtml) ?? DEFAULT_CSP);
  hardenSession();
  serveRendererFiles();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate(
        {
          sendCommand,
          openFolder: () => void openFolder(),
          revealWorkspace: () => void revealWorkspace(),
          showAbout: () => void showAbout(),
        },
        { isMac, isPackaged: app.isPackaged },
      ),
    ),
  );

  const opened = await openCoreAskingOnError(initialWorkspace);
  if (!opened) {
    quitState = 'closed';
    app.quit();
    return;
  }
  core = opened.core;
  workspaceRoot = opened.path;
  void rememberWorkspace(opened.path);
  core.bus.subscribe((name, payload) => {
    if (name !== 'workspace.onOpened') return;
    workspaceRoot = (payload as WorkspaceInfo).root;
    void rememberWorkspace(workspaceRoot);
  });
  stopServingApi = serveApiOverIpc(ipcMain, core.host, sendEventToWindows, {
    isOurWebContents: (id) => BrowserWindow.getAllWindows().some((w) => w.webContents.id === id),
    isTrustedUrl: isAppUrl,
  });
  await createWindow();
}

/** `--workspace DIR`, else the workspace open last time (if it still exists), else the sample workspace. */
async function initialWorkspace(): Promise<string> {
  const fromArgs = workspaceFromArgv(process.argv, process.cwd());
  if (fromArgs) return fromArgs;
  const { lastWorkspace } = parseAppState(await readJsonFile(appStateFile()));
  if (lastWorkspace && isDirectory(lastWorkspace)) return lastWorkspace;
  return prepareSampleWorkspace();
}

/**
 * Opens the core on the chosen workspace. A workspace error (locked by another Lakebench process, not
 * writable, bad settings) is shown with the choice to open another folder or quit; it never crashes the app.
 */
async function openCoreAskingOnError(
  choose: () => Promise<string>,
): Promise<{ core: LakebenchCore; path: string } | null> {
  let next = choose;
  for (;;) {
    let workspacePath: string | undefined;
    try {
      workspacePath = await next();
      const opened = await LakebenchCore.open({
        workspacePath,
        version: app.getVersion(),
        schedulePipelines: true,
      });
      return { core: opened, path: workspacePath };
    } catch (err) {
      const { response } = await dialog.showMessageBox({
        type: 'error',
        title: 'Lakebench',
        message: 'Lakebench could not open the workspace',
        detail: `${workspacePath ?? 'The sample workspace'}\n\n${describeError(err)}`,
        buttons: ['Open Another Folder…', 'Quit'],
        defaultId: 0,
        cancelId: 1,
        noLink: true,
      });
      if (response !== 0) return null;
      const picked = await pickFolder();
      if (!picked) return null;
      next = async () => picked;
    }
  }
}

function describeError(err: unknown): string {
  const data = toErrorData(err);
  const where = formatLocation(data.location);
  const hint =
    data.code === 'WORKSPACE_LOCKED'
      ? '\n\nAnother Lakebench window or `lakebench serve` has this workspace open. Close it, or open another folder.'
      : '';
  return `${data.message}${where ? ` (${where})` : ''}${hint}`;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

async function rememberWorkspace(dir: string): Promise<void> {
  try {
    await writeJsonFile(appStateFile(), { lastWorkspace: path.resolve(dir) });
  } catch (err) {
    console.error('Lakebench: could not remember the workspace', err);
  }
}

async function pickFolder(): Promise<string | null> {
  const options: OpenDialogOptions = {
    title: 'Open Workspace Folder',
    buttonLabel: 'Open',
    properties: ['openDirectory', 'createDirectory'],
  };
  const result = mainWindow
    ? await dialog.showOpenDialog(mainWindow, options)
    : await dialog.showOpenDialog(options);
  return result.canceled || !result.filePaths[0] ? null : result.filePaths[0];
}

async function openFolder(): Promise<void> {
  const dir = await pickFolder();
  if (dir) await switchWorkspace(dir);
}

/** Switches the open workspace; the core announces it with workspace.onOpened, which the renderer follows. */
async function switchWorkspace(dir: string): Promise<void> {
  if (!core || switchingWorkspace) return;
  switchingWorkspace = true;
  try {
    await core.openWorkspace(dir);
  } catch (err) {
    await showMessage({
      type: 'error',
      title: 'Lakebench',
      message: 'Lakebench could not open the workspace',
      detail: `${dir}\n\n${describeError(err)}`,
    });
  } finally {
    switchingWorkspace = false;
  }
}

async function revealWorkspace(): Promise<void> {
  if (!workspaceRoot) return;
  const problem = await shell.openPath(workspaceRoot);
  if (problem) console.error(`Lakebench: could not show ${workspaceRoot}: ${problem}`);
}

async function showAbout(): Promise<void> {
  await showMessage({
    type: 'info',
    title: 'About Lakebench',
    message: `Lakebench ${app.getVersion()}`,
    detail: [
      'A local-first workbench for data and ML work.',
      '',
      `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node.js ${process.versions.node}`,
      workspaceRoot ? `Workspace: ${workspaceRoot}` : '',
    ].join('\n'),
  });
}

async function showMessage(options: MessageBoxOptions): Promise<void> {
  if (mainWindow && !mainWindow.isDestroyed()) await dialog.showMessageBox(mainWindow, options);
  else await dialog.showMessageBox(options);
}

function sendCommand(command: MenuCommand): void {
  core?.bus.emit('app.onCommand', { command });
}

function sendEventToWindows(name: string, payload: unknown): void {
  for (const win of BrowserWindow.getAllWindows()) {
    if (win.isDestroyed() || !isAppUrl(win.webContents.getURL())) continue;
    win.webContents.send(EVENT_CHANNEL, eventMessage(name, payload));
  }
}

async function shutdown(): Promise<void> {
  stopServingApi?.();
  stopServingApi = null;
  const closing = core;
  core = null;
  if (!closing) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(
        `Lakebench: the workspace did not close within ${CORE_CLOSE_TIMEOUT_MS / 1000} s; quitting`,
      );
      resolve();
    }, CORE_CLOSE_TIMEOUT_MS);
  });
  try {
    await Promise.race([closing.close(), timeout]);
  } catch (err) {
    console.error('Lakebench: closing the workspace failed', err);
  } finally {
    clearTimeout(timer);
  }
}

// ---- the window ----

function workAreas(): Rect[] {
  const primary = screen.getPrimaryDisplay();
  const others = screen.getAllDisplays().filter((d) => d.id !== primary.id);
  return [primary.workArea, ...others.map((d) => d.workArea)];
}

async function createWindow(): Promise<void> {
  const state = restoreWindowState(await readJsonFile(windowStateFile()), workAreas());
  const win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    title: 'Lakebench',
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  });
  mainWindow = win;
  if (state.maximized) win.maximize();

  let shown = false;
  const show = () => {
    if (shown || win.isDestroyed()) return;
    shown = true;
    win.show();
  };
  win.once('ready-to-show', show);
  // Show the window even if the page never paints (a broken build), so the user is not left with nothing.
  setTimeout(show, 5000);

  win.on('close', () => {
    try {
      writeJsonFileSync(windowStateFile(), windowStateToSave(win.getNormalBounds(), win.isMaximized()));
    } catch (err) {
      console.error('Lakebench: could not save the window state', err);
    }
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit' || quitState !== 'running') return;
    console.error(`Lakebench: the window's renderer stopped (${details.reason})`);
    void dialog
      .showMessageBox(win, {
        type: 'error',
        title: 'Lakebench',
        message: 'The Lakebench window stopped working',
        detail: `Reason: ${details.reason}. Your saved work is on disk; reload to continue.`,
        buttons: ['Reload', 'Quit'],
        defaultId: 0,
        cancelId: 1,
      })
      .then(({ response }) => {
        if (response === 0 && !win.isDestroyed()) win.webContents.reload();
        else app.quit();
      });
  });

  await win.loadURL(APP_ENTRY_URL);
}

// ---- hardening ----

/** Serves dist/renderer on app://lakebench/, and nothing outside it. */
function serveRendererFiles(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? resolveRendererFile(rendererRoot, request.url) : null;
    if (!file) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    try {
      const body = await readFile(file);
      return new Response(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), {
        status: 200,
        headers: {
          'content-type': contentTypeFor(file),
          'content-security-policy': contentSecurityPolicy,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-cache',
        },
      });
    } catch {
      return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
  });
}

function withFrameAncestors(policy: string): string {
  // frame-ancestors is ignored in a meta tag, so the header adds it.
  return /(^|;)\s*frame-ancestors\b/i.test(policy)
    ? policy
    : `${policy.replace(/;\s*$/, '')}; frame-ancestors 'none'`;
}

function hardenSession(): void {
  const ses = session.defaultSession;
  // Nothing a notebook needs asks for a permission, except copying a result to the clipboard from our own page.
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permission === 'clipboard-sanitized-write' && isAppUrl(details.requestingUrl));
  });
  ses.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin) =>
      permission === 'clipboard-sanitized-write' && requestingOrigin === APP_ORIGIN,
  );
  // The CSP travels as a header too (the app:// handler sets it; this covers anything else the session loads).
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(details.responseHeaders ?? {})) {
      if (key.toLowerCase() !== 'content-security-policy') headers[key] = value;
    }
    headers['Content-Security-Policy'] = [contentSecurityPolicy];
    callback({ responseHeaders: headers });
  });
  // The desktop app talks to its core over IPC only: the page never reaches the network.
  ses.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] },
    (details, callback) => {
      console.warn(`Lakebench: blocked a network request from the window: ${details.url}`);
      callback({ cancel: true });
    },
  );
}

/** Only our own page may be shown; links to the web open in the user's browser; no new windows, no webviews. */
function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    // A reload of our own page is fine; anything else is not shown in the app window.
    if (resolveRendererFile(rendererRoot, event.url) === path.resolve(rendererRoot, 'index.html')) return;
    event.preventDefault();
    openExternally(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
}

function openExternally(url: string): void {
  if (!isExternalWebUrl(url)) {
    console.warn(`Lakebench: refused to open ${url}`);
    return;
  }
  shell.openExternal(url).catch((err: unknown) => console.error(`Lakebench: could not open ${url}`, err));
}

import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/api/contract';

/** What the menu can ask of the shell; the commands go to the renderer as `app.onCommand`. */
export interface MenuActions {
  sendCommand(command: MenuCommand): void;
  openFolder(): void;
  revealWorkspace(): void;
  showAbout(): void;
}

export interface MenuOptions {
  isMac: boolean;
  /** Developer tools are offered only in development builds. */
  isPackaged: boolean;
}

/**
 * The native menu. Ctrl/Cmd+N, O, S and W belong to the menu. Run Cell and Run All only show their keys
 * (registerAccelerator: false): Shift+Enter is typed into editors all the time, so the renderer's own key
 * handling must decide when it runs a cell, and a menu accelerator would swallow it first.
 */
export function buildMenuTemplate(actions: MenuActions, options: MenuOptions): MenuItemConstructorOptions[] {
  const command = (c: MenuCommand) => () => actions.sendCommand(c);
  const { isMac, isPackaged } = options;

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'New Notebook', accelerator: 'CmdOrCtrl+N', click: command('newNotebook') },
      { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.openFolder() },
      { label: 'Reveal Workspace Folder', click: () => actions.revealWorkspace() },
      { type: 'separator' },
      { label: 'Save', accelerator: 'CmdOrCtrl+S', click: command('save') },
      { type: 'separator' },
      { label: 'Close Tab', accelerator: 'CmdOrCtrl+W', click: command('closeTab') },
      ...(isMac ? [] : ([{ type: 'separator' }, { role: 'quit' }] as MenuItemConstructorOptions[])),
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { label: 'Notebooks', accelerator: 'CmdOrCtrl+1', click: command('showArea:notebooks') },
      { label: 'Data', accelerator: 'CmdOrCtrl+2', click: command('showArea:data') },
      { type: 'separator' },
      { role: 'reload' },
      ...(isPackaged ? [] : ([{ role: 'toggleDevTools' }] as MenuItemConstructorOptions[])),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  const run: MenuItemConstructorOptions = {
    label: '&Run',
    submenu: [
      {
        label: 'Run Cell',
        accelerator: 'Shift+Enter',
        registerAccelerator: false,
        click: command('runCell'),
      },
      {
        label: 'Run All',
        accelerator: 'CmdOrCtrl+Shift+Enter',
        registerAccelerator: false,
        click: command('runAll'),
      },
    ],
  };

  // Spelled out rather than role 'windowMenu', whose Close would take Ctrl/Cmd+W from Close Tab.
  const window: MenuItemConstructorOptions = {
    label: '&Window',
    role: 'window',
    submenu: [
      { role: 'minimize' },
      ...(isMac ? ([{ role: 'zoom' }] as MenuItemConstructorOptions[]) : []),
      { role: 'close', label: 'Close Window', accelerator: 'CmdOrCtrl+Shift+W' },
      ...(isMac ? ([{ type: 'separator' }, { role: 'front' }] as MenuItemConstructorOptions[]) : []),
    ],
  };

  const help: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [{ label: isMac ? 'About Lakebench' : '&About Lakebench', click: () => actions.showAbout() }],
  };

  const appMenu: MenuItemConstructorOptions[] = isMac
    ? [
        {
          label: 'Lakebench',
          submenu: [
            { label: 'About Lakebench', click: () => actions.showAbout() },
            { type: 'separator' },
            { role: 'services' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];

  return [...appMenu, file, edit, view, run, window, help];
}

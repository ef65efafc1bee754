import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MENU_COMMANDS, type MenuCommand } from '../../shared/api/contract';
import { parseAppState, workspaceFromArgv } from '../../electron/main/app-state';
import { buildMenuTemplate } from '../../electron/main/menu';
import {
  cspFromHtml,
  contentTypeFor,
  isAppUrl,
  isExternalWebUrl,
  resolveRendererFile,
} from '../../electron/main/renderer-protocol';

type Item = {
  label?: string;
  role?: string;
  accelerator?: string;
  registerAccelerator?: boolean;
  click?: () => void;
  submenu?: Item[];
};

describe('the app:// protocol', () => {
  const root = path.resolve('/opt/lakebench/dist/renderer');

  it('serves files inside dist/renderer, and index.html for /', () => {
    expect(resolveRendererFile(root, 'app://lakebench/')).toBe(path.join(root, 'index.html'));
    expect(resolveRendererFile(root, 'app://lakebench/assets/main-1a2b.js')).toBe(
      path.join(root, 'assets', 'main-1a2b.js'),
    );
    expect(resolveRendererFile(root, 'app://lakebench/assets/a%20b.css?v=1#x')).toBe(
      path.join(root, 'assets', 'a b.css'),
    );
  });

  it('keeps dot segments the URL parser already resolved inside the root', () => {
    expect(resolveRendererFile(root, 'app://lakebench/../secret.txt')).toBe(path.join(root, 'secret.txt'));
    expect(resolveRendererFile(root, 'app://lakebench/%2e%2e/secret.txt')).toBe(
      path.join(root, 'secret.txt'),
    );
  });

  it.each([
    'app://lakebench/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://lakebench/assets/..%5c..%5csecret.txt',
    'app://lakebench/a%00b',
    'app://lakebench/%E0%A4%A',
    'app://other/index.html',
    'file:///opt/lakebench/dist/renderer/index.html',
    'https://lakebench/index.html',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveRendererFile(root, url)).toBeNull();
  });

  it('gives module scripts a JavaScript type', () => {
    expect(contentTypeFor('/x/main.js')).toMatch(/^text\/javascript/);
    expect(contentTypeFor('/x/index.HTML')).toMatch(/^text\/html/);
    expect(contentTypeFor('/x/blob.bin')).toBe('application/octet-stream');
  });

  it('reads the CSP from the renderer’s own index.html', () => {
    const html = readFileSync(path.resolve(__dirname, '../../renderer/index.html'), 'utf8');
    const csp = cspFromHtml(html);
    expect(csp).toMatch(/^default-src 'self';/);
    expect(csp).toContain("object-src 'none'");
    expect(cspFromHtml('<html><head><meta charset="utf-8"></head></html>')).toBeNull();
    expect(cspFromHtml(`<meta content='default-src none' http-equiv='Content-Security-Policy'>`)).toBe(
      'default-src none',
    );
  });

  it('tells our pages from external links', () => {
    expect(isAppUrl('app://lakebench/index.html#/notebooks')).toBe(true);
    expect(isAppUrl('app://lakebench.evil/index.html')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isExternalWebUrl('https://duckdb.org/docs')).toBe(true);
    expect(isExternalWebUrl('http://localhost:5000/')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'app://lakebench/',
      'x',
    ]) {
      expect(isExternalWebUrl(url), url).toBe(false);
    }
  });
});

describe('start-up state', () => {
  it('reads --workspace in both spellings, relative to the working directory', () => {
    const cwd = path.resolve('/home/ana');
    expect(workspaceFromArgv(['electron', '.', '--workspace', 'ws'], cwd)).toBe(path.join(cwd, 'ws'));
    expect(workspaceFromArgv(['Lakebench', '--no-sandbox', '--workspace=/data/ws'], cwd)).toBe(
      path.resolve('/data/ws'),
    );
    expect(workspaceFromArgv(['Lakebench', '--workspace'], cwd)).toBeUndefined();
    expect(workspaceFromArgv(['Lakebench', '--workspace', '--inspect'], cwd)).toBeUndefined();
    expect(workspaceFromArgv(['Lakebench'], cwd)).toBeUndefined();
  });

  it('trusts only an absolute last workspace', () => {
    const abs = path.resolve('/data/ws');
    expect(parseAppState({ lastWorkspace: abs })).toEqual({ lastWorkspace: abs });
    for (const raw of [undefined, null, 'x', { lastWorkspace: 'relative/ws' }, { lastWorkspace: 7 }]) {
      expect(parseAppState(raw)).toEqual({});
    }
  });
});

describe('the native menu', () => {
  function build(isMac: boolean, isPackaged: boolean) {
    const sent: MenuCommand[] = [];
    const calls: string[] = [];
    const template = buildMenuTemplate(
      {
        sendCommand: (c) => sent.push(c),
        openFolder: () => calls.push('openFolder'),
        revealWorkspace: () => calls.push('revealWorkspace'),
        showAbout: () => calls.push('showAbout'),
      },
      { isMac, isPackaged },
    ) as Item[];
    const items: Item[] = [];
    const walk = (list: Item[]) => {
      for (const item of list) {
        items.push(item);
        if (Array.isArray(item.submenu)) walk(item.submenu);
      }
    };
    walk(template);
    return { items, sent, calls };
  }

  it.each([
    [false, false],
    [true, true],
  ])('offers every menu command of the contract (mac %s, packaged %s)', (isMac, isPackaged) => {
    const { items, sent, calls } = build(isMac, isPackaged);
    for (const item of items) item.click?.();
    expect(new Set(sent)).toEqual(new Set(MENU_COMMANDS));
    expect(calls).toEqual(expect.arrayContaining(['openFolder', 'revealWorkspace', 'showAbout']));
  });

  it('offers developer tools only in development', () => {
    expect(build(false, false).items.some((i) => i.role === 'toggleDevTools')).toBe(true);
    expect(build(false, true).items.some((i) => i.role === 'toggleDevTools')).toBe(false);
  });

  it('gives no two items the same registered shortcut', () => {
    for (const isMac of [false, true]) {
      const keys = build(isMac, false)
        .items.filter((i) => i.accelerator && i.registerAccelerator !== false)
        .map((i) => i.accelerator);
      expect(new Set(keys).size, keys.join(', ')).toBe(keys.length);
      expect(keys).toEqual(
        expect.arrayContaining(['CmdOrCtrl+N', 'CmdOrCtrl+O', 'CmdOrCtrl+S', 'CmdOrCtrl+W']),
      );
    }
  });
});

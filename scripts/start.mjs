#!/usr/bin/env node
// `npm start`: the desktop app when Electron can run here, otherwise browser mode (`lakebench serve`).
// Arguments pass through: `npm start -- --workspace ~/my-workspace`. `--browser` forces browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { buildForElectron } from './native-electron.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const BUILD_OUTPUTS = [
  'dist/electron/main.js',
  'dist/electron/preload.cjs',
  'dist/electron/cli.js',
  'dist/renderer/index.html',
];

function ensureBuilt() {
  if (BUILD_OUTPUTS.every((file) => existsSync(path.join(root, file)))) return;
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error('Lakebench: the build failed, see above.');
    process.exit(result.status ?? 1);
  }
}

/** The Electron executable, or the reason the desktop app cannot start here. */
function findElectron() {
  let binary;
  try {
    // From Node, the electron package exports the path of its binary; it throws if the binary was never downloaded.
    binary = require('electron');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes("'electron'")) {
      return { reason: 'the Electron package is not installed' };
    }
    return { reason: 'the Electron binary is not installed (it could not be downloaded here)' };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) {
    return { reason: 'the Electron binary is not installed (it could not be downloaded here)' };
  }
  const needsDisplay = process.platform !== 'darwin' && process.platform !== 'win32';
  if (needsDisplay && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  return { binary };
}

/** Runs a child to completion, forwarding Ctrl+C and termination to it exactly once. */
function run(command, args, env) {
  // In its own process group on POSIX, so a Ctrl+C in the terminal reaches the child only through us: a second
  // SIGINT during a clean shutdown could otherwise cut DuckDB's close short.
  const detached = process.platform !== 'win32';
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env, detached });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const onSigint = () => forward('SIGINT');
  const onSigterm = () => forward('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('SIGHUP', onSigterm);
  // If this process goes away some other way, do not leave the child behind.
  process.on('exit', () => forward('SIGTERM'));
  child.on('error', (err) => {
    console.error(`Lakebench: could not start ${command}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    process.off('SIGHUP', onSigterm);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

let args = process.argv.slice(2);
const forceBrowser = args.includes('--browser');
args = args.filter((a) => a !== '--browser');

ensureBuilt();

const electron = forceBrowser ? { reason: '--browser was given' } : findElectron();
let sqliteBinding = null;
if (electron.binary) {
  try {
    sqliteBinding = buildForElectron();
  } catch (err) {
    electron.reason = `better-sqlite3 could not be built for Electron (${err.message})`;
    delete electron.binary;
  }
}
if (electron.binary) {
  const env = { ...process.env, LAKEBENCH_SQLITE_BINDING: sqliteBinding };
  // Set in some shells by other tools; it would make Electron run as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  // `.` (not dist/electron/main.js) so Electron reads package.json: the app's name, version and its "main".
  run(electron.binary, ['.', ...args], env);
} else {
  console.log(`Lakebench: ${electron.reason}, starting in browser mode.`);
  run(process.execPath, [path.join(root, 'bin', 'lakebench.js'), 'serve', ...args], process.env);
}

// Native addons and two runtimes: better-sqlite3 is built for Node at install (tests, CLI, server). The desktop
// app runs it inside Electron, which has another ABI, so an Electron-ABI copy is built beside the Node one and
// handed to the app as `nativeBinding` (LAKEBENCH_SQLITE_BINDING), leaving the Node build untouched.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function nodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm ships node-gyp; it is what `npm install` built the Node copy with.
    const npmDir = path.dirname(
      path.dirname(
        require.resolve('npm/package.json', {
          paths: [path.dirname(process.execPath), '/usr/lib/node_modules', '/usr/local/lib/node_modules'],
        }),
      ),
    );
    return path.join(npmDir, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  }
}

/**
 * Builds better-sqlite3 for a runtime (`electron` and its version, or `node` for a check) into
 * build/native/<runtime>-<version>/better_sqlite3.node, once; returns its path.
 */
export function buildSqliteBinding({ runtime, version, distUrl, quiet = false }) {
  const outDir = path.join(root, 'build', 'native', `${runtime}-${version}`);
  const out = path.join(outDir, 'better_sqlite3.node');
  if (existsSync(out)) return out;
  const source = path.join(root, 'node_modules', 'better-sqlite3');
  const work = path.join(root, 'build', 'native', `src-${runtime}-${version}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(source, work, {
    recursive: true,
    filter: (p) => !p.includes(`${path.sep}build${path.sep}`) && !p.endsWith(`${path.sep}build`),
  });
  const env = { ...process.env };
  // npm passes its own nodedir (this machine's Node headers) down; the target runtime needs its own headers.
  for (const key of Object.keys(env))
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url)$/i.test(key)) delete env[key];
  const args = [nodeGyp(), 'rebuild', '--release', `--target=${version}`, `--runtime=${runtime}`];
  if (distUrl) args.push(`--dist-url=${distUrl}`);
  else if (runtime === 'node') args.push('--nodedir=/usr');
  const r = spawnSync(process.execPath, args, { cwd: work, env, stdio: quiet ? 'ignore' : 'inherit' });
  if (r.status !== 0) throw new Error(`building better-sqlite3 for ${runtime} ${version} failed`);
  mkdirSync(outDir, { recursive: true });
  copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), out);
  rmSync(work, { recursive: true, force: true });
  return out;
}

export function electronVersion() {
  return JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'))
    .version;
}

export function buildForElectron() {
  return buildSqliteBinding({
    runtime: 'electron',
    version: electronVersion(),
    distUrl: 'https://electronjs.org/headers',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = process.argv[2] === 'node' ? { runtime: 'node', version: process.versions.node } : null;
  const out = target ? buildSqliteBinding(target) : buildForElectron();
  console.log(out);
}

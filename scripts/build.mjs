// Builds Lakebench: the main process, preload and CLI with esbuild, the renderer with Vite.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2]; // 'node' or 'renderer' to build one half
const started = Date.now();

async function buildNode() {
  await rm(join(root, 'dist', 'electron'), { recursive: true, force: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: root,
  };
  const entries = [{ in: 'electron/cli.ts', out: 'cli.js' }];
  if (existsSync(join(root, 'electron/main/index.ts')))
    entries.push({ in: 'electron/main/index.ts', out: 'main.js' });
  await Promise.all(
    entries.map((e) =>
      build({ ...common, entryPoints: [e.in], outfile: join('dist/electron', e.out), format: 'esm' }),
    ),
  );
  if (existsSync(join(root, 'electron/preload/index.ts'))) {
    // The sandboxed preload can only be one CommonJS file.
    await build({
      ...common,
      entryPoints: ['electron/preload/index.ts'],
      outfile: 'dist/electron/preload.cjs',
      format: 'cjs',
      external: ['electron'],
    });
  }
}

function buildRenderer() {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('the renderer build failed');
}

try {
  if (only !== 'renderer') await buildNode();
  if (only !== 'node' && existsSync(join(root, 'vite.config.ts'))) buildRenderer();
  process.stdout.write(`Lakebench built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} catch (err) {
  process.stderr.write(`Lakebench build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

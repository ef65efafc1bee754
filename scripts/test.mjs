// `npm test`: everything CI checks, in order. On a fresh Debian machine it first installs what the tests
// need and is missing (Chromium, Debian's Python packages), as .ci/run does.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';
const PYTHON_MODULES = {
  ipykernel: 'python3-ipykernel',
  jupyter_client: 'python3-jupyter-client',
  pandas: 'python3-pandas',
  sklearn: 'python3-sklearn',
  nbformat: 'python3-nbformat',
};
const args = new Set(process.argv.slice(2));
const results = [];

function run(title, command, commandArgs, options = {}) {
  process.stdout.write(`\n== ${title}\n`);
  const started = Date.now();
  const r = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
  const ok = r.status === 0;
  process.stdout.write(
    `== ${title}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return ok;
}

function missingDebianPackages() {
  const missing = [];
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  for (const [module, pkg] of Object.entries(PYTHON_MODULES)) {
    const r = existsSync(PYTHON)
      ? spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' })
      : { status: 1 };
    if (r.status !== 0) missing.push(pkg);
  }
  if (!existsSync(PYTHON)) missing.push('python3');
  return missing;
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing.length === 0) return true;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    process.stderr.write(
      `The tests need these Debian packages: ${missing.join(' ')}.\nInstall them with: sudo apt-get install -y ${missing.join(' ')}\n`,
    );
    return false;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return (
    run('apt-get update', 'apt-get', ['update', '-qq'], { env }) &&
    run(`apt-get install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-qq', ...missing], { env })
  );
}

/** The Electron package's types are needed to type-check the shell, even where its binary cannot be had. */
function ensureElectronTypes() {
  if (existsSync(join(root, 'node_modules', 'electron', 'electron.d.ts'))) return true;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const spec = `electron@${pkg.optionalDependencies.electron}`;
  return run(`install ${spec} types (no binary)`, 'npm', ['install', '--no-save', '--ignore-scripts', spec], {
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
}

function vitest(project) {
  const out = join('test-results', `${project}.json`);
  const ok = run(`tests: ${project}`, process.execPath, [
    join('node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  try {
    const report = JSON.parse(readFileSync(join(root, out), 'utf8'));
    results.push({
      passed: report.numPassedTests,
      failed: report.numFailedTests + (ok ? 0 : report.numFailedTests ? 0 : 1),
      skipped: report.numPendingTests + report.numTodoTests,
    });
  } catch {
    results.push({ passed: 0, failed: 1, skipped: 0 });
  }
  return ok;
}

const node = process.execPath;
const steps = [
  () => ensureDebianPackages(),
  () => ensureElectronTypes(),
  () => run('build', node, ['scripts/build.mjs']),
  () => run('lint', node, ['node_modules/eslint/bin/eslint.js', '.']),
  () =>
    run('format', node, ['node_modules/prettier/bin/prettier.cjs', '--check', '--log-level', 'warn', '.']),
  () =>
    ['tsconfig.shared.json', 'tsconfig.node.json', 'tsconfig.web.json', 'tsconfig.e2e.json'].every((p) =>
      run(`typecheck ${p}`, node, ['node_modules/typescript/bin/tsc', '-p', p, '--noEmit']),
    ),
];
let ok = true;
for (const step of steps) {
  if (!step()) {
    ok = false;
    break;
  }
}
if (ok) {
  const unit = vitest('unit');
  const e2e = args.has('--no-e2e') ? true : vitest('e2e');
  ok = unit && e2e;
}
const total = results.reduce(
  (t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
if (!ok && total.failed === 0) total.failed = 1;
process.stdout.write(
  `\ntests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}\n`,
);
process.exit(ok ? 0 : 1);

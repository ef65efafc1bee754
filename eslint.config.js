// Lakebench's layer rules: folders are named for where their code runs (see DESIGN.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import path from 'node:path';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'util',
  'stream',
  'stream/*',
  'events',
  'worker_threads',
  'zlib',
  'buffer',
  'process',
  'module',
];
const electronImport = {
  regex: '^electron(/.*)?$',
  message: 'Only electron/main and electron/preload may import electron.',
};
const nodeImport = { group: nodeBuiltins, message: 'This layer must not import Node built-ins.' };
const nodeOnlyPackages = {
  group: ['@duckdb/*', 'ws', 'better-sqlite3'],
  message: 'Node-only packages belong to electron/core or electron/server.',
};

/**
 * Each service folder `electron/core/<service>/` has one public module, `index.ts`; nothing outside the folder
 * imports its other files. `electron/core/app.ts`, which registers the services, may import `handlers.ts` too.
 */
const serviceBoundaries = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      internal:
        "'{{source}}' is an internal file of the {{service}} service: import the service's public module (electron/core/{{service}}/index.ts) instead.",
    },
  },
  create(context) {
    const CORE_DIR = path.join(context.cwd, 'electron', 'core');
    const file = path.resolve(context.cwd, context.filename);
    const importerService = (() => {
      const rel = path.relative(CORE_DIR, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
      const parts = rel.split(path.sep);
      return parts.length > 1 ? parts[0] : null;
    })();
    const isApp = file === path.join(CORE_DIR, 'app.ts');
    const check = (node) => {
      const source = node.source && node.source.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      const rel = path.relative(CORE_DIR, target);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return;
      const parts = rel.split(path.sep);
      if (parts.length < 2) return; // electron/core/<service> itself (its index) or a file of the core
      const service = parts[0];
      if (service === importerService) return;
      const inner = parts
        .slice(1)
        .join('/')
        .replace(/\.(ts|tsx|js)$/, '');
      if (inner === 'index') return;
      if (inner === 'handlers' && isApp) return;
      context.report({ node: node.source, messageId: 'internal', data: { source, service } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'release/**',
      'test-results/**',
      '**/.lakebench/**',
      'resources/python/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [electronImport] }],
    },
  },
  {
    // Tests of a service may reach its internals; everything else goes through its public module.
    files: ['electron/**', 'bin/**', 'scripts/**'],
    plugins: { lakebench: { rules: { 'service-boundaries': serviceBoundaries } } },
    rules: { 'lakebench/service-boundaries': 'error' },
  },
  {
    files: ['electron/main/**', 'electron/preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            electronImport,
            nodeImport,
            nodeOnlyPackages,
            { group: ['react', 'react-dom', 'react-dom/*'], message: 'shared/ has no DOM or UI code.' },
            {
              group: ['**/electron/**', '**/renderer/**'],
              message: 'shared/ must not depend on other layers.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'window', message: 'shared/ must not use the DOM.' },
        { name: 'document', message: 'shared/ must not use the DOM.' },
        { name: 'process', message: 'shared/ must not use Node.' },
        { name: 'Buffer', message: 'shared/ must not use Node.' },
        { name: 'require', message: 'shared/ must not use Node.' },
      ],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            electronImport,
            nodeImport,
            nodeOnlyPackages,
            {
              group: ['**/electron/**'],
              message: 'The renderer reaches the main process only through the API.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The renderer has no Node.' },
        { name: 'Buffer', message: 'The renderer has no Node.' },
        { name: 'require', message: 'The renderer has no Node.' },
      ],
    },
  },
  {
    files: ['electron/**', 'scripts/**', 'test/**', 'bin/**', '*.config.*', '*.js', '*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);

// Lakebench's layer rules: folders are named for where their code runs (see DESIGN.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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

#!/usr/bin/env node
// The `lakebench` command: runs the built CLI (npm install builds it; `npm run build` rebuilds it).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'electron', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('lakebench: the app is not built yet; run `npm run build` in the Lakebench folder\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(cli).href);
await main(process.argv.slice(2));

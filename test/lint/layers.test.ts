import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The layer rules of DESIGN.md, checked by linting small files placed in each folder. */
const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'lakebench/service-boundaries').map((m) => m.message);
}

describe('layer rules', () => {
  it('keep Node and the DOM out of shared/', async () => {
    expect(await restricted('shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(
      1,
    );
    expect(
      await restricted('shared/x.ts', "import path from 'path';\nexport const a = path;\n"),
    ).toHaveLength(1);
    expect(await restricted('shared/x.ts', 'export const a = window.location;\n')).toHaveLength(1);
    expect(await restricted('shared/x.ts', 'export const a = process.env;\n')).toHaveLength(1);
    expect(await restricted('shared/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toEqual([]);
  });

  it('keep Node out of the renderer', async () => {
    expect(
      await restricted(
        'renderer/x.ts',
        "import { readFile } from 'node:fs/promises';\nexport const a = readFile;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restricted(
        'renderer/x.ts',
        "import { Warehouse } from '../electron/core/warehouse';\nexport const a = Warehouse;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restricted(
        'renderer/x.ts',
        "import { DuckDBInstance } from '@duckdb/node-api';\nexport const a = DuckDBInstance;\n",
      ),
    ).toHaveLength(1);
  });

  it('let only electron/main and electron/preload import electron', async () => {
    const code = "import { app } from 'electron';\nexport const a = app;\n";
    expect(await restricted('electron/core/x.ts', code)).toHaveLength(1);
    expect(await restricted('electron/server/x.ts', code)).toHaveLength(1);
    expect(await restricted('shared/x.ts', code)).toHaveLength(1);
    expect(await restricted('renderer/x.ts', code)).toHaveLength(1);
    expect(await restricted('electron/main/x.ts', code)).toEqual([]);
    expect(await restricted('electron/preload/x.ts', code)).toEqual([]);
  });

  it("keep a service's internal files private to its folder", async () => {
    const internal = "import { TrackerStore } from '../tracker/store';\nexport const a = TrackerStore;\n";
    // A violation: another service reaches into the tracker's files.
    const [message] = await boundaryErrors('electron/core/pipelines/x.ts', internal);
    expect(message).toMatch(/internal file of the tracker service/);
    expect(
      await boundaryErrors(
        'electron/server/x.ts',
        "import { decodeToken } from '../core/tracker/store';\nexport const a = decodeToken;\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryErrors('electron/core/app.ts', "export { RunStore } from './pipelines/store';\n"),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'electron/cli/x.ts',
        "export const load = () => import('../core/pipelines/definitions');\n",
      ),
    ).toHaveLength(1);
    // Compliant: the public module, and the service's own files from inside its folder.
    expect(
      await boundaryErrors(
        'electron/core/pipelines/x.ts',
        "import { Tracker } from '../tracker';\nimport { Tracker as T } from '../tracker/index';\nexport const a = [Tracker, T];\n",
      ),
    ).toEqual([]);
    expect(await boundaryErrors('electron/core/tracker/x.ts', internal.replace('../tracker/', './'))).toEqual(
      [],
    );
    // Only app.ts, which registers the services, takes their request handlers.
    const handlers =
      "import { trackerHandlers } from './tracker/handlers';\nexport const a = trackerHandlers;\n";
    expect(await boundaryErrors('electron/core/app.ts', handlers)).toEqual([]);
    expect(await boundaryErrors('electron/core/other.ts', handlers)).toHaveLength(1);
    // Files of the core that are not a service folder (sqlite.ts, app.ts) are not services.
    expect(
      await boundaryErrors(
        'electron/core/tracker/x.ts',
        "import { openSqlite } from '../sqlite';\nexport const a = openSqlite;\n",
      ),
    ).toEqual([]);
  });
});

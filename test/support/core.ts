import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { RequestArgs, RequestName, RequestResult } from '../../shared/api/contract';
import { LakebenchCore, type CoreOptions } from '../../electron/core/app';
import { tempDir } from './temp';

/** What a test file gets from `useCore`: the core, its workspace, and the API as the renderer calls it. */
export interface CoreFixture {
  readonly core: LakebenchCore;
  /** The temporary folder the workspace lives in. */
  readonly dir: string;
  readonly workspace: string;
  /** Calls the API through the validating host; results are checked against the contract. */
  call<K extends RequestName>(method: K, args: RequestArgs<K>): Promise<RequestResult<K>>;
  /** Calls the API expecting an error, and returns it. */
  fails(method: RequestName, args: unknown): Promise<{ code: string; message: string }>;
}

/**
 * Opens a core on a fresh workspace for the test file (beforeAll) and closes it after (afterAll).
 * `prepare` fills the workspace folder before the core opens it.
 */
export function useCore(
  name: string,
  options: Partial<Omit<CoreOptions, 'workspacePath'>> & {
    prepare?: (workspace: string) => Promise<void>;
  } = {},
): CoreFixture {
  let core: LakebenchCore | undefined;
  let dir = '';
  let cleanup: (() => Promise<void>) | undefined;
  const { prepare, ...coreOptions } = options;
  const need = (): LakebenchCore => {
    if (!core) throw new Error('useCore: the core is not open (used outside a test?)');
    return core;
  };
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir(`lakebench-${name}-`));
    const workspace = path.join(dir, 'ws');
    await prepare?.(workspace);
    core = await LakebenchCore.open({
      version: '0.1.0',
      validateResults: true,
      ...coreOptions,
      workspacePath: workspace,
    });
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    await cleanup?.();
  });
  return {
    get core() {
      return need();
    },
    get dir() {
      return dir;
    },
    get workspace() {
      return path.join(dir, 'ws');
    },
    async call(method, args) {
      const reply = await need().host.dispatch(method, args, { clientId: 'test' });
      if (!reply.ok) throw Object.assign(new Error(reply.error.message), reply.error);
      return reply.value as never;
    },
    async fails(method, args) {
      const reply = await need().host.dispatch(method, args, { clientId: 'test' });
      if (reply.ok) throw new Error(`${method} should have failed`);
      return reply.error;
    },
  };
}

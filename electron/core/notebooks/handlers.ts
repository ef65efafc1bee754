import type { RequestHandlers } from '../../../shared/api/client';
import type { notebookRequests } from '../../../shared/notebook/contract';
import type { LakebenchCore } from '../app';

/** The notebooks service's part of the API: one handler per request of its contract. */
export function notebookHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof notebookRequests> {
  const n = () => core.notebooks;
  return {
    'notebooks.create': async ({ name }) => n().create(name),
    'notebooks.open': async ({ path: file }) => n().open(file),
    'notebooks.stat': async ({ path: file }) => n().stat(file),
    'notebooks.save': async ({ path: file, notebook, baseMtimeMs, force }) =>
      n().save(file, notebook, baseMtimeMs, force),
    'notebooks.rename': async ({ from, to }) => {
      const renamed = await n().rename(from, to);
      // A running kernel follows its notebook, with its variables.
      core.kernels.rename(from, renamed.path);
      return renamed;
    },
    'notebooks.delete': async ({ path: file }) => n().delete(file),
  };
}

import { client } from '../api';
import { installRunEvents, loadRuns, useRuns } from './runs-store';
import { checkDisk, refreshList, usePipelineEditor } from './store';

let installed = false;
let listTimer: ReturnType<typeof setTimeout> | null = null;

function refreshListSoon(): void {
  if (listTimer) clearTimeout(listTimer);
  listTimer = setTimeout(() => {
    listTimer = null;
    void refreshList();
  }, 400);
}

/** Wires the pipeline events to the Pipelines area's stores; once, when the area is first shown. */
export function installPipelineEvents(): void {
  if (installed) return;
  installed = true;
  installRunEvents();
  client.on('pipelines.onDefinitionsChanged', ({ ids }) => {
    refreshListSoon();
    const open = usePipelineEditor.getState().id;
    if (open && ids.includes(open)) {
      void checkDisk().then((changed) => {
        // The Grid's rows follow the pipeline's tasks; a saved layout changes none (and reloading every run's
        // squares costs seconds at thousands of tasks).
        if (changed && useRuns.getState().pipelineId === open) void loadRuns(open);
      });
    }
  });
  // The list shows each pipeline's last run state.
  client.on('pipelines.onRunChanged', refreshListSoon);
}

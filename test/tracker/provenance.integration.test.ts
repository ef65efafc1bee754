import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAG } from '../../shared/tracker/model';
import { useCore } from '../support/core';

const t = useCore('provenance');
const { call } = t;

/** Triggers a pipeline and waits for its run to end. */
async function runPipeline(id: string, logicalDate: string): Promise<string> {
  let runId = '';
  const ended = new Promise<string>((resolve) => {
    const stop = t.core.bus.subscribe((name, payload) => {
      const run = payload as { runId: string; state: string };
      if (
        name === 'pipelines.onRunChanged' &&
        run.runId === runId &&
        ['success', 'failed'].includes(run.state)
      ) {
        stop();
        resolve(run.state);
      }
    });
  });
  runId = (await call('pipelines.trigger', { id, logicalDate })).runId;
  expect(await ended).toBe('success');
  return runId;
}

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;

/** A task that fails its first try and succeeds on the second, reporting a score. */
const YAML = `id: provenance
tasks:
  - id: flaky
    type: shell
    retries: 1
    retry_delay: 0s
    command: |
      if [ ! -f "$LAKEBENCH_WORKSPACE/flaky.ok" ]; then touch "$LAKEBENCH_WORKSPACE/flaky.ok"; exit 1; fi
      echo '::lakebench-output::{"score": 0.75}'
  - id: report
    type: shell
    depends_on: [flaky]
    command: echo done
`;

describe('provenance of pipeline runs', () => {
  it('tags the run and each try with the pipeline, its run, the task, the try and the file version', async () => {
    await call('pipelines.create', { id: 'provenance', yaml: YAML });
    const file = path.join(t.workspace, 'pipelines', 'provenance.yaml');
    const first = await readFile(file, 'utf8');
    const runId = await runPipeline('provenance', '2026-03-01');
    const detail = await call('pipelines.getRun', { runId });
    const parentId = detail.run.trackerRunId as string;
    const parent = await call('tracker.getRun', { runId: parentId });
    expect(parent.info.source).toEqual({
      kind: 'pipeline',
      name: 'pipelines/provenance.yaml',
      notebook: null,
      cell: null,
      pipeline: 'provenance',
      task: null,
      pipelineRun: runId,
      version: sha(first),
    });
    // Recorded as the user who runs Lakebench, as MLflow's client records a run's user.
    expect(parent.info.userId).toBe(os.userInfo().username);

    const flaky = detail.taskInstances.find((t) => t.taskId === 'flaky');
    expect(flaky?.tries.map((t) => t.state)).toEqual(['failed', 'success']);
    const tries = await call('tracker.getRuns', {
      runIds: flaky!.tries.map((t) => t.trackerRunId as string),
    });
    expect(tries.missing).toEqual([]);
    for (const [i, run] of tries.runs.entries()) {
      expect(run.info.parentRunId).toBe(parentId);
      expect(run.info.source).toMatchObject({
        kind: 'pipeline',
        pipeline: 'provenance',
        task: 'flaky',
        pipelineRun: runId,
        version: sha(first),
      });
      expect(run.tags[TAG.sourceTry]).toBe(String(i + 1));
      expect(run.info.userId).toBe(os.userInfo().username);
    }
    expect(tries.runs.map((r) => r.info.status)).toEqual(['FAILED', 'FINISHED']);
    expect(tries.runs[1].metrics.score.value).toBe(0.75);

    // The children of the pipeline's run are found by the source tags the run page links with.
    const children = await call('tracker.searchRuns', {
      experimentIds: [parent.info.experimentId],
      filter: `tags.\`${TAG.sourcePipelineRun}\` = '${runId}' and tags.\`${TAG.sourceTask}\` IS NOT NULL`,
      orderBy: ['attributes.run_name ASC'],
      idsOnly: true,
    });
    expect(children.totalCount).toBe(3);

    // An edited file gives the next run another version; the first run keeps its own.
    const edited = first.replace('command: echo done', 'command: echo finished');
    await writeFile(file, edited);
    const second = await runPipeline('provenance', '2026-03-02');
    const secondParent = await call('tracker.getRun', {
      runId: (await call('pipelines.getRun', { runId: second })).run.trackerRunId as string,
    });
    expect(secondParent.info.source.version).toBe(sha(edited));
    expect(secondParent.info.source.version).not.toBe(sha(first));
    expect((await call('tracker.getRun', { runId: parentId })).info.source.version).toBe(sha(first));
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { setApiClient } from '../../renderer/api';
import { createMemoryClient } from '../../shared/api/memory-client';
import { LakebenchError } from '../../shared/errors';

/** The host's side of the calls the editor makes, recorded. */
const host = (() => {
  const state = {
    yaml: '',
    mtimeMs: 1,
    positions: {} as Record<string, { x: number; y: number }>,
    saves: [] as { yaml: string; baseMtimeMs: number | null; force: boolean }[],
    positionSaves: 0,
    refuseNextSave: false,
  };
  const api = createMemoryClient({
    'pipelines.get': async (args) => ({
      id: args.id,
      file: `pipelines/${args.id}.yaml`,
      yaml: state.yaml,
      pipeline: null,
      problems: [],
      sources: {},
      positions: state.positions,
      mtimeMs: state.mtimeMs,
    }),
    'pipelines.save': async (a) => {
      state.saves.push({ yaml: a.yaml, baseMtimeMs: a.baseMtimeMs, force: a.force });
      if (state.refuseNextSave && !a.force) {
        state.refuseNextSave = false;
        throw new LakebenchError('PIPELINE_CHANGED_ON_DISK', 'changed on disk');
      }
      state.yaml = a.yaml;
      state.mtimeMs += 1;
      return { file: 'f', mtimeMs: state.mtimeMs, problems: [] };
    },
    'pipelines.savePositions': async (args) => {
      state.positionSaves++;
      state.positions = args.positions;
      return {};
    },
    'pipelines.list': async () => [],
  });
  return { state, client: api.client };
})();
setApiClient(host.client);

const store = await import('../../renderer/pipelines/store');
const { usePipelineEditor: editor } = store;

const COMMENTED = `# Nightly load of the hello table.
id: hello
schedule: "@daily" # midnight UTC
start_date: 2026-01-01
default_args: { retries: 1, retry_delay: 1s }
tasks:
  # first, fetch
  - { id: extract, type: shell, command: "echo 42" }
  - { id: load, type: sql, sql: "CREATE OR REPLACE TABLE hello AS SELECT 42 AS answer", depends_on: [extract] }
  - { id: report, type: python, code: "print('done')", depends_on: [load], trigger_rule: all_done }
`;

beforeEach(async () => {
  store.resetEditor();
  Object.assign(host.state, {
    yaml: COMMENTED,
    mtimeMs: 1,
    positions: {},
    saves: [],
    positionSaves: 0,
    refuseNextSave: false,
  });
  await store.openPipeline('hello');
});

describe('the editor store over the canonical writer', () => {
  it('opens a pipeline with a laid-out graph and no problems', () => {
    const s = editor.getState();
    expect(s.status).toBe('ready');
    expect(s.problems).toEqual([]);
    expect(s.nodes.map((n) => n.id)).toEqual(['extract', 'load', 'report']);
    expect(s.edges.map((e) => e.id)).toEqual(['extract->load', 'load->report']);
    expect(Object.keys(s.positions)).toEqual(['extract', 'load', 'report']);
  });

  it('writes an edge into depends_on keeping comments and style, and undo gives the file back byte for byte', async () => {
    store.connect('extract', 'report');
    expect(editor.getState().graphPending).toBe(true);
    await store.flush();
    const saved = host.state.saves.at(-1);
    expect(saved?.baseMtimeMs).toBe(1);
    expect(saved?.yaml).toContain('# Nightly load of the hello table.');
    expect(saved?.yaml).toContain('"@daily" # midnight UTC');
    expect(saved?.yaml).toContain('# first, fetch');
    expect(saved?.yaml).toMatch(/depends_on: \[ ?load, extract ?\]/);
    expect(editor.getState().savedYaml).toBe(saved?.yaml);

    store.undoEdit();
    await store.flush();
    expect(host.state.saves.at(-1)?.yaml).toBe(COMMENTED);
    store.redoEdit();
    await store.flush();
    expect(host.state.saves.at(-1)?.yaml).toBe(saved?.yaml);
  });

  it('saves nothing when an edit leaves the pipeline as it was', async () => {
    store.updateTask('extract', (t) => ({ ...t }), 'noop');
    await store.flush();
    expect(host.state.saves).toEqual([]);
  });

  it('refuses an edge that would close a cycle and says which tasks', () => {
    expect(store.checkConnection('report', 'extract')).toBe(false);
    expect(editor.getState().refusal).toBe(
      'extract cannot depend on report: tasks report -> extract -> load -> report would form a cycle',
    );
    store.connect('report', 'extract');
    expect(editor.getState().tasks[0].depends_on).toBeUndefined();
    expect(store.checkConnection('extract', 'report')).toBe(true);
    expect(editor.getState().refusal).toBeNull();
  });

  it('adds a dropped task, deletes it with its edges, and copies and pastes a selection', async () => {
    const id = store.addTaskAt('shell', { x: 10.4, y: 20.6 });
    expect(id).toBe('command');
    expect(editor.getState().positions.command).toEqual({ x: 10, y: 21 });
    expect(editor.getState().formTaskId).toBe('command');
    store.connect('report', 'command');
    store.deleteTasks(new Set(['command']));
    await store.flush();
    expect(editor.getState().yaml).toBe(COMMENTED);
    expect(host.state.yaml).toBe(COMMENTED);

    editor.setState({ nodes: editor.getState().nodes.map((n) => ({ ...n, selected: n.id !== 'extract' })) });
    expect(store.copySelection()).toBe(2);
    expect(store.paste()).toBe(2);
    const tasks = editor.getState().tasks;
    expect(tasks.slice(3).map((t) => [t.id, t.depends_on ?? []])).toEqual([
      ['load_2', []],
      ['report_2', ['load_2']],
    ]);
  });

  it('renames a task and its dependents from the form', async () => {
    store.renameTaskTo('load', 'load_hello');
    await store.flush();
    const yaml = host.state.yaml;
    expect(yaml).toContain('id: load_hello');
    expect(yaml).toMatch(/depends_on: \[ ?load_hello ?\]/);
    expect(editor.getState().formTaskId).toBe('load_hello');
    expect(editor.getState().positions.load_hello).toBeDefined();
  });

  it('updates the graph from the YAML tab and shows problems on their tasks', () => {
    store.setYamlText(COMMENTED.replace('depends_on: [load]', 'depends_on: [ghost]'));
    const s = editor.getState();
    expect(s.edges.map((e) => e.id)).toEqual(['extract->load']);
    expect(s.problems.map((p) => [p.code, p.task])).toEqual([['PIPELINE_UNKNOWN_DEPENDENCY', 'report']]);
    expect(s.pipeline).toBeNull();
    store.setYamlText('id: hello\ntasks: [\n');
    expect(editor.getState().blocked).toMatch(/does not parse/);
    // A blocked graph takes no edits (they could not be written back).
    store.connect('extract', 'report');
    expect(editor.getState().graphPending).toBe(false);
  });

  it('asks instead of overwriting a file that changed on disk, and overwrites only when told', async () => {
    host.state.refuseNextSave = true;
    store.connect('extract', 'report');
    await store.flush();
    expect(editor.getState().conflict).toBe(true);
    const before = host.state.saves.length;
    store.updateTask('extract', (t) => ({ ...t, description: 'x' }), 'description');
    await store.flush();
    expect(host.state.saves.length).toBe(before);
    await store.overwriteDisk();
    expect(host.state.saves.at(-1)?.force).toBe(true);
    expect(editor.getState().conflict).toBe(false);
  });

  it('tells a saved layout (the file unchanged) from a changed file when the disk changes', async () => {
    // Only the layout file changed: the text and its modification time are as opened.
    host.state.positions = { extract: { x: 1, y: 2 } };
    expect(await store.checkDisk()).toBe(false);
    // The YAML changed: reloaded, and the caller reloads what follows the tasks.
    host.state.yaml = COMMENTED.replace('echo 42', 'echo 43');
    host.state.mtimeMs = 2;
    expect(await store.checkDisk()).toBe(true);
    expect(editor.getState().yaml).toContain('echo 43');
  });

  it('undoes a form field edited keystroke by keystroke as one step', () => {
    for (const v of ['e', 'ec', 'ech', 'echo'])
      store.updateTask('extract', (t) => ({ ...t, command: v }) as typeof t, 'command');
    expect(editor.getState().history.past).toHaveLength(1);
    store.undoEdit();
    expect((editor.getState().tasks[0] as { command: string }).command).toBe('echo 42');
  });

  it('writes the tasks of a new pipeline one per line, not as one flow list', async () => {
    store.resetEditor();
    host.state.yaml = 'id: fresh\nschedule: null\ntasks: []\n';
    await store.openPipeline('fresh');
    store.addTaskAt('shell', { x: 0, y: 0 });
    store.addTaskAt('sql', { x: 200, y: 0 });
    store.connect('command', 'query');
    await store.flush();
    // The writer may pad flow lists (`[ command ]`); the tasks are block items either way.
    expect(host.state.yaml.replace('[ command ]', '[command]')).toBe(
      'id: fresh\nschedule: null\ntasks:\n  - id: command\n    type: shell\n    command: echo hello\n  - id: query\n    type: sql\n    sql: SELECT 1\n    depends_on: [command]\n',
    );
  });
});

import { Trash2, X } from 'lucide-react';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { downstreamOf } from '../../shared/pipeline/graph';
import {
  PIPELINE_DEFAULTS,
  TRIGGER_RULES,
  type DefaultArgs,
  type Duration,
  type TaskType,
} from '../../shared/pipeline/model';
import { taskIdProblem, type DraftTask } from './graph-model';
import {
  deleteTasks,
  renameTaskTo,
  setDependencies,
  setFormTask,
  updateTask,
  usePipelineEditor,
} from './store';
import { useTaskProblems } from './node-status';
import { pipelineTestIds as ids } from './testids';

const CodeEditor = lazy(() => import('./CodeEditor').then((m) => ({ default: m.CodeEditor })));

type Field = string;

/** Sets a field, or removes it when it is empty (optional fields fall back to the pipeline's defaults). */
function withField(task: DraftTask, key: Field, value: unknown): DraftTask {
  const next = { ...task } as Record<string, unknown>;
  if (value === undefined || value === '') delete next[key];
  else next[key] = value;
  return next as DraftTask;
}

function durationText(d: Duration | null | undefined): string {
  if (d === null) return 'none';
  if (d === undefined) return '';
  return typeof d === 'number' ? `${d}s` : d;
}

/** "30s" stays text, "30" becomes a number of seconds, as a person would write it in YAML. */
function parseDurationInput(text: string): Duration | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function envText(env: Record<string, string> | undefined): string {
  return Object.entries(env ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

function parseEnv(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return Object.keys(out).length ? out : undefined;
}

function TextField(props: {
  label: string;
  value: string;
  placeholder?: string;
  testId?: string;
  onChange(v: string): void;
  mono?: boolean;
}) {
  return (
    <label className="form-field">
      <span>{props.label}</span>
      <input
        className={props.mono ? 'input mono' : 'input'}
        value={props.value}
        placeholder={props.placeholder}
        data-testid={props.testId}
        spellCheck={false}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

function CodeField(props: {
  label: string;
  value: string;
  language: 'sql' | 'python' | 'shell';
  onChange(v: string): void;
  taskId: string;
}) {
  return (
    <div className="form-field">
      <span>{props.label}</span>
      <Suspense fallback={<pre className="code-fallback">{props.value}</pre>}>
        <CodeEditor
          key={`${props.taskId}:${props.label}`}
          value={props.value}
          language={props.language}
          onChange={props.onChange}
          testId={ids.taskCodeEditor}
          ariaLabel={`${props.label} of ${props.taskId}`}
        />
      </Suspense>
    </div>
  );
}

/** The id field: renames on Enter or leaving the field, refusing an id that is taken or not allowed. */
function IdField({ task }: { task: DraftTask }) {
  const tasks = usePipelineEditor((s) => s.tasks);
  const [value, setValue] = useState(task.id);
  useEffect(() => setValue(task.id), [task.id]);
  const problem = value === task.id ? null : taskIdProblem(tasks, value, task.id);
  const commit = () => {
    if (value !== task.id && !problem) renameTaskTo(task.id, value);
  };
  return (
    <label className="form-field">
      <span>Task id</span>
      <input
        className="input mono"
        value={value}
        data-testid={ids.taskIdInput}
        spellCheck={false}
        onChange={(e) => setValue(e.target.value.trim())}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setValue(task.id);
        }}
      />
      {problem && <span className="form-problem">{problem}</span>}
    </label>
  );
}

function Dependencies({ task }: { task: DraftTask }) {
  const tasks = usePipelineEditor((s) => s.tasks);
  const deps = task.depends_on ?? [];
  // Tasks downstream of this one cannot become its dependencies: that would close a cycle.
  const candidates = useMemo(() => {
    const down = downstreamOf(tasks, [task.id]);
    return tasks.filter((t) => t.id !== task.id && !down.has(t.id) && !deps.includes(t.id)).map((t) => t.id);
  }, [tasks, task.id, deps]);
  return (
    <div className="form-field">
      <span>Depends on (drag between handles on the canvas, or pick here)</span>
      <div className="dep-chips">
        {deps.length === 0 && <span className="muted">nothing: starts first</span>}
        {deps.map((d) => (
          <span className="dep-chip" key={d} data-testid={ids.taskDep(d)}>
            {d}
            <button
              className="icon-btn"
              title={`Remove the dependency on ${d}`}
              onClick={() =>
                setDependencies(
                  task.id,
                  deps.filter((x) => x !== d),
                )
              }
            >
              <X size={11} />
            </button>
          </span>
        ))}
      </div>
      {candidates.length > 0 && (
        <select
          className="input"
          value=""
          data-testid={ids.taskDepAdd}
          onChange={(e) => e.target.value && setDependencies(task.id, [...deps, e.target.value])}
        >
          <option value="">Add a dependency…</option>
          {candidates.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

/** A task's source given either inline (edited in Monaco) or as a workspace file: two radios and the field. */
function InlineOrFile({
  task,
  inline,
  file,
}: {
  task: DraftTask;
  inline: { field: Field; choice: string; label: string; language: 'sql' | 'python'; initial: string };
  file: { field: Field; choice: string; label: string; initial: string };
}) {
  const values = task as unknown as Record<string, string | undefined>;
  const fromFile = values[file.field] !== undefined && values[inline.field] === undefined;
  const choose = (keep: typeof inline | typeof file, drop: Field) =>
    updateTask(
      task.id,
      (t) =>
        withField(
          withField(t, drop, undefined),
          keep.field,
          (t as unknown as Record<string, string | undefined>)[keep.field] ?? keep.initial,
        ),
      'mode',
    );
  const set = (key: Field, value: unknown) => updateTask(task.id, (t) => withField(t, key, value), key);
  return (
    <>
      <div className="form-row">
        <label className="radio">
          <input type="radio" checked={!fromFile} onChange={() => choose(inline, file.field)} />
          {inline.choice}
        </label>
        <label className="radio">
          <input type="radio" checked={fromFile} onChange={() => choose(file, inline.field)} />
          {file.choice}
        </label>
      </div>
      {fromFile ? (
        <TextField
          label={file.label}
          value={values[file.field] ?? ''}
          mono
          onChange={(v) => set(file.field, v)}
        />
      ) : (
        <CodeField
          label={inline.label}
          language={inline.language}
          taskId={task.id}
          value={values[inline.field] ?? ''}
          onChange={(v) => set(inline.field, v)}
        />
      )}
    </>
  );
}

/** What a task run as a child process takes besides its code: environment and working directory. */
function ProcessSettings({ task }: { task: DraftTask & { cwd?: string; env?: Record<string, string> } }) {
  return (
    <>
      <EnvField task={task} />
      <TextField
        label="Working directory"
        value={task.cwd ?? ''}
        placeholder="the workspace folder"
        mono
        onChange={(v) => updateTask(task.id, (t) => withField(t, 'cwd', v), 'cwd')}
      />
    </>
  );
}

function TypeSettings({ task }: { task: DraftTask }) {
  const set = (key: Field, value: unknown) => updateTask(task.id, (t) => withField(t, key, value), key);
  switch (task.type) {
    case 'sql':
      return (
        <InlineOrFile
          task={task}
          inline={{ field: 'sql', choice: 'SQL text', label: 'SQL', language: 'sql', initial: 'SELECT 1' }}
          file={{
            field: 'file',
            choice: '.sql file',
            label: 'File (workspace-relative)',
            initial: 'queries/query.sql',
          }}
        />
      );
    case 'python': {
      return (
        <>
          <InlineOrFile
            task={task}
            inline={{
              field: 'code',
              choice: 'Inline code',
              label: 'Python',
              language: 'python',
              initial: "print('hello')",
            }}
            file={{
              field: 'script',
              choice: '.py script',
              label: 'Script (workspace-relative)',
              initial: 'scripts/task.py',
            }}
          />
          <ProcessSettings task={task} />
        </>
      );
    }
    case 'shell':
      return (
        <>
          <CodeField
            label="Command"
            language="shell"
            taskId={task.id}
            value={task.command ?? ''}
            onChange={(v) => updateTask(task.id, (t) => ({ ...t, command: v }) as DraftTask, 'command')}
          />
          <label className="form-field">
            <span>Output value</span>
            <select
              className="input"
              value={task.output ?? 'none'}
              onChange={(e) => set('output', e.target.value === 'none' ? undefined : e.target.value)}
            >
              <option value="none">none</option>
              <option value="last_line">the last line printed</option>
            </select>
          </label>
          <ProcessSettings task={task} />
        </>
      );
    case 'notebook':
      return (
        <>
          <TextField
            label="Notebook (workspace-relative .ipynb)"
            value={task.notebook ?? ''}
            testId={ids.taskNotebookInput}
            placeholder="notebooks/report.ipynb"
            mono
            onChange={(v) => updateTask(task.id, (t) => ({ ...t, notebook: v }) as DraftTask, 'notebook')}
          />
          <ParametersField task={task} />
        </>
      );
    default:
      return (
        <p className="muted">
          This task's type is not one of sql, notebook, python or shell; fix it in the YAML tab.
        </p>
      );
  }
}

function EnvField({ task }: { task: DraftTask & { env?: Record<string, string> } }) {
  const [text, setText] = useState(envText(task.env));
  useEffect(() => setText(envText(task.env)), [task.id]);
  return (
    <label className="form-field">
      <span>Environment (NAME=value per line)</span>
      <textarea
        className="input textarea mono"
        rows={2}
        value={text}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          updateTask(task.id, (t) => withField(t, 'env', parseEnv(e.target.value)), 'env');
        }}
      />
    </label>
  );
}

function ParametersField({ task }: { task: DraftTask & { parameters?: Record<string, unknown> } }) {
  const toText = (p: Record<string, unknown> | undefined) =>
    Object.entries(p ?? {})
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n');
  const [text, setText] = useState(toText(task.parameters));
  useEffect(() => setText(toText(task.parameters)), [task.id]);
  const parse = (s: string) => {
    const out: Record<string, unknown> = {};
    for (const line of s.split('\n')) {
      const i = line.indexOf('=');
      if (i <= 0) continue;
      const raw = line.slice(i + 1).trim();
      try {
        out[line.slice(0, i).trim()] = JSON.parse(raw);
      } catch {
        out[line.slice(0, i).trim()] = raw;
      }
    }
    return Object.keys(out).length ? out : undefined;
  };
  return (
    <label className="form-field">
      <span>Parameters (name=value per line; numbers and true/false typed)</span>
      <textarea
        className="input textarea mono"
        rows={3}
        value={text}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          updateTask(task.id, (t) => withField(t, 'parameters', parse(e.target.value)), 'parameters');
        }}
      />
    </label>
  );
}

function Overrides({ task, defaults }: { task: DraftTask; defaults: DefaultArgs | undefined }) {
  const set = (key: Field, value: unknown) => updateTask(task.id, (t) => withField(t, key, value), key);
  const inherited = (key: keyof DefaultArgs, fallback: string) => {
    const v = defaults?.[key];
    if (v === undefined) return `default: ${fallback}`;
    return `default_args: ${typeof v === 'boolean' || typeof v === 'number' ? String(v) : durationText(v as Duration | null)}`;
  };
  return (
    <>
      <label className="form-field">
        <span>Trigger rule</span>
        <select
          className="input"
          value={task.trigger_rule ?? ''}
          data-testid={ids.taskTriggerRule}
          onChange={(e) => set('trigger_rule', e.target.value || undefined)}
        >
          <option value="">{PIPELINE_DEFAULTS.trigger_rule} (default)</option>
          {TRIGGER_RULES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <div className="form-grid">
        <label className="form-field">
          <span>Retries</span>
          <input
            className="input mono"
            type="number"
            min={0}
            max={100}
            value={task.retries ?? ''}
            placeholder={inherited('retries', String(PIPELINE_DEFAULTS.retries))}
            data-testid={ids.taskRetries}
            onChange={(e) =>
              set(
                'retries',
                e.target.value === '' ? undefined : Math.max(0, Math.round(Number(e.target.value))),
              )
            }
          />
        </label>
        <label className="form-field">
          <span>Retry delay</span>
          <input
            className="input mono"
            value={durationText(task.retry_delay)}
            placeholder={inherited('retry_delay', '5m')}
            data-testid={ids.taskRetryDelay}
            onChange={(e) => set('retry_delay', parseDurationInput(e.target.value))}
          />
        </label>
        <label className="form-field">
          <span>Timeout</span>
          <input
            className="input mono"
            value={durationText(task.execution_timeout)}
            placeholder={inherited('execution_timeout', 'none')}
            data-testid={ids.taskTimeout}
            onChange={(e) =>
              set(
                'execution_timeout',
                e.target.value.trim() === 'none' ? null : parseDurationInput(e.target.value),
              )
            }
          />
        </label>
        <label className="form-field checkbox-field">
          <input
            type="checkbox"
            checked={task.retry_exponential_backoff ?? false}
            onChange={(e) => set('retry_exponential_backoff', e.target.checked ? true : undefined)}
          />
          <span>Exponential backoff</span>
        </label>
      </div>
    </>
  );
}

const TYPE_LABEL: Record<TaskType, string> = {
  sql: 'SQL',
  notebook: 'Notebook',
  python: 'Python',
  shell: 'Shell',
};

/** The form of the selected task, beside the canvas. */
export function TaskForm() {
  const id = usePipelineEditor((s) => s.formTaskId);
  const task = usePipelineEditor((s) => (id ? s.tasks.find((t) => t.id === id) : undefined));
  const defaults = usePipelineEditor((s) => s.header.default_args);
  const blocked = usePipelineEditor((s) => s.blocked);
  const problems = useTaskProblems(id ?? '');
  if (!task) return null;
  return (
    <aside className="task-form nokey" data-testid={ids.taskForm} aria-label={`Task ${task.id}`}>
      <fieldset disabled={Boolean(blocked)}>
        <div className="task-form-head">
          <span className={`type-badge type-${task.type}`}>
            {TYPE_LABEL[task.type as TaskType] ?? String(task.type)}
          </span>
          <span className="task-form-title">{task.id}</span>
          <span className="spacer" />
          <button
            className="icon-btn"
            title="Delete this task"
            data-testid={ids.taskDelete}
            onClick={() => deleteTasks(new Set([task.id]))}
          >
            <Trash2 size={14} />
          </button>
          <button className="icon-btn" title="Close" onClick={() => setFormTask(null)}>
            <X size={14} />
          </button>
        </div>
        {problems && problems.length > 0 && (
          <ul className="form-problems">
            {problems.map((p, i) => (
              <li key={i}>
                {p.message} <span className="muted">(line {p.line})</span>
              </li>
            ))}
          </ul>
        )}
        <IdField task={task} />
        <TextField
          label="Description"
          value={task.description ?? ''}
          onChange={(v) => updateTask(task.id, (t) => withField(t, 'description', v), 'description')}
        />
        <TypeSettings task={task} />
        <Dependencies task={task} />
        <Overrides task={task} defaults={defaults} />
      </fieldset>
    </aside>
  );
}

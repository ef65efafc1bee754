import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStoreApi,
  type Connection,
  type Edge,
  type IsValidConnection,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import {
  ClipboardPaste,
  Copy,
  Database,
  LoaderCircle,
  FileCode,
  Maximize,
  Network,
  NotebookText,
  Redo2,
  SquareTerminal,
  Trash2,
  TriangleAlert,
  Undo2,
} from 'lucide-react';
import { useCallback, useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import type { TaskType } from '../../shared/pipeline/model';
import { NODE_HEIGHT, NODE_WIDTH, type TaskFlowNode } from './graph-model';
import { nodeTypes } from './nodes';
import { FAR_ZOOM } from './nodes/TaskNodeBody';
import { OverviewMap } from './OverviewMap';
import type { LayoutPhase } from './layout';
import { runStateOf, useRunsPerFrame } from './node-status';
import { STATE_COLORS } from './run-views';
import { selectRun, type RunsState } from './runs-store';
import {
  addTaskAt,
  autoLayout,
  cancelLayout,
  checkConnection,
  clearRefusal,
  connect,
  copySelection,
  deleteSelection,
  onDelete,
  onEdgesChange,
  onNodesChange,
  paste,
  redoEdit,
  selectAll,
  undoEdit,
  usePipelineEditor,
} from './store';
import { TaskForm } from './TaskForm';
import { pipelineTestIds as ids } from './testids';

const DRAG_TYPE = 'application/x-lakebench-task-type';

const PALETTE: { type: TaskType; label: string; icon: ReactNode; hint: string }[] = [
  { type: 'sql', label: 'SQL', icon: <Database size={14} />, hint: 'A query on the workspace DuckDB' },
  {
    type: 'notebook',
    label: 'Notebook',
    icon: <NotebookText size={14} />,
    hint: 'Run a notebook headless with parameters',
  },
  {
    type: 'python',
    label: 'Python',
    icon: <FileCode size={14} />,
    hint: 'Inline code or a script, with python3',
  },
  {
    type: 'shell',
    label: 'Shell',
    icon: <SquareTerminal size={14} />,
    hint: 'A command in the workspace folder',
  },
];

function Palette() {
  const blocked = usePipelineEditor((s) => s.blocked);
  return (
    <div className="palette" aria-label="Task types">
      <div className="palette-title">Drag a task</div>
      {PALETTE.map((p) => (
        <div
          key={p.type}
          className={`palette-item type-${p.type}`}
          draggable={!blocked}
          data-testid={ids.palette(p.type)}
          title={p.hint}
          onDragStart={(e) => {
            e.dataTransfer.setData(DRAG_TYPE, p.type);
            e.dataTransfer.effectAllowed = 'move';
          }}
        >
          {p.icon}
          <span>{p.label}</span>
        </div>
      ))}
    </div>
  );
}

const selectRuns = (s: RunsState) => s.runs;
const selectSelectedRun = (s: RunsState) => s.selectedRunId;

function RunPicker() {
  // Once per frame: a running pipeline changes the runs on every task event.
  const runs = useRunsPerFrame(selectRuns);
  const selected = useRunsPerFrame(selectSelectedRun);
  return (
    <label className="run-picker">
      <span className="muted">Colour by run</span>
      <select
        className="input"
        value={selected ?? ''}
        data-testid={ids.runSelect}
        onChange={(e) => selectRun(e.target.value || null)}
      >
        <option value="">none</option>
        {runs.map((r) => (
          <option key={r.runId} value={r.runId}>
            {r.logicalDate.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '')} · {r.runType} · {r.state}
          </option>
        ))}
      </select>
    </label>
  );
}

const FIT_ALL = { padding: 0.15 };

function Toolbar() {
  const canUndo = usePipelineEditor((s) => s.history.past.length > 0);
  const canRedo = usePipelineEditor((s) => s.history.future.length > 0);
  const blocked = usePipelineEditor((s) => Boolean(s.blocked));
  const { fitView } = useReactFlow();
  const btn = (testId: string, title: string, icon: ReactNode, onClick: () => void, disabled = false) => (
    <button
      className="icon-btn"
      data-testid={testId}
      title={title}
      aria-label={title}
      disabled={disabled || blocked}
      onClick={onClick}
    >
      {icon}
    </button>
  );
  return (
    <div className="graph-toolbar">
      {btn(ids.undo, 'Undo (Ctrl/Cmd+Z)', <Undo2 size={14} />, undoEdit, !canUndo)}
      {btn(ids.redo, 'Redo (Shift+Ctrl/Cmd+Z)', <Redo2 size={14} />, redoEdit, !canRedo)}
      <span className="toolbar-sep" />
      {btn(ids.copy, 'Copy selected tasks (Ctrl/Cmd+C)', <Copy size={14} />, () => void copySelection())}
      {btn(ids.paste, 'Paste (Ctrl/Cmd+V)', <ClipboardPaste size={14} />, () => void paste())}
      {btn(ids.deleteSelection, 'Delete selected (Delete)', <Trash2 size={14} />, deleteSelection)}
      <span className="toolbar-sep" />
      {btn(ids.layout, 'Arrange left to right', <Network size={14} />, () => void autoLayout())}
      <button
        className="icon-btn"
        data-testid={ids.fit}
        title="Zoom to fit"
        aria-label="Zoom to fit"
        onClick={() => void fitView({ ...FIT_ALL, duration: 200 })}
      >
        <Maximize size={14} />
      </button>
      <span className="spacer" />
      <RunPicker />
    </div>
  );
}

const PHASES: Record<LayoutPhase | 'starting', string> = {
  starting: 'starting',
  ranking: 'columns',
  ordering: 'order in each column',
  placing: 'positions',
};

/** A large pipeline's layout running in the background: what it is doing, for how long, and a way to stop it. */
function LayoutProgress() {
  const layout = usePipelineEditor((s) => s.layout);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!layout) return;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [layout]);
  if (!layout) return null;
  const seconds = Math.floor((Date.now() - layout.startedAt) / 1000);
  return (
    <div className="layout-progress" role="status" data-testid={ids.layoutProgress}>
      <LoaderCircle size={14} className="spin" />
      <span>
        Laying out {layout.tasks.toLocaleString('en-US')} tasks: {PHASES[layout.phase]} · {seconds} s. The
        canvas stays usable.
      </span>
      <button className="btn btn-small" data-testid={ids.layoutCancel} onClick={cancelLayout}>
        Stop
      </button>
    </div>
  );
}

function RefusalBanner() {
  const refusal = usePipelineEditor((s) => s.refusal);
  if (!refusal) return null;
  return (
    <div className="edge-refusal" role="alert" data-testid={ids.edgeRefusal}>
      <TriangleAlert size={14} /> Edge refused: {refusal}
    </div>
  );
}

function ProblemsList() {
  const problems = usePipelineEditor((s) => s.problems);
  const blocked = usePipelineEditor((s) => s.blocked);
  if (!problems.length && !blocked) return null;
  return (
    <div className="problems-list" data-testid={ids.problems}>
      {blocked && (
        <div className="problem-row blocked">The graph is read-only until the YAML is fixed: {blocked}</div>
      )}
      {problems.slice(0, 50).map((p, i) => (
        <div className="problem-row" key={i}>
          <span className="problem-where">
            {p.line}:{p.column}
          </span>
          {p.task && <span className="problem-task">{p.task}</span>}
          <span>{p.message}</span>
        </div>
      ))}
      {problems.length > 50 && <div className="problem-row muted">and {problems.length - 50} more</div>}
    </div>
  );
}

const isEditableTarget = (t: EventTarget | null) =>
  t instanceof HTMLElement &&
  Boolean(t.closest('input, textarea, select, .monaco-editor, [contenteditable="true"]'));

function minimapColor(n: TaskFlowNode): string {
  const state = runStateOf(n.id);
  return state && state !== 'none' ? STATE_COLORS[state] : '#4b5263';
}

/** Above this many tasks the corner map is one canvas instead of React Flow's minimap (a component per node). */
const CANVAS_OVERVIEW_TASKS = 1000;
/** The zoom a pipeline too large to read whole opens at, at its upstream end. */
const START_ZOOM = 0.8;

/**
 * The view a pipeline opens at: all of it when its tasks can still be read, else its upstream end at a readable
 * zoom (a 5,000-task pipeline fitted whole is thousands of specks; the map and "zoom to fit" show it whole).
 */
function openingView(
  nodes: readonly TaskFlowNode[],
  width: number,
  height: number,
): { x: number; y: number; zoom: number } | null {
  if (!nodes.length || !width || !height) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + NODE_WIDTH);
    maxY = Math.max(maxY, n.position.y + NODE_HEIGHT);
  }
  const fit = Math.min((width * 0.85) / (maxX - minX), (height * 0.85) / (maxY - minY));
  if (fit >= FAR_ZOOM) return null;
  let top = Infinity;
  const reach = minX + width / START_ZOOM;
  for (const n of nodes) if (n.position.x < reach) top = Math.min(top, n.position.y);
  return { x: 40 - minX * START_ZOOM, y: 40 - top * START_ZOOM, zoom: START_ZOOM };
}

const DEFAULT_EDGE_OPTIONS = { type: 'smoothstep', style: { strokeWidth: 1.5 } };
const PRO_OPTIONS = { hideAttribution: true };
const DELETE_KEYS = ['Delete', 'Backspace'];
const onConnect = (c: Connection) => connect(c.source, c.target);

function Canvas() {
  const nodes = usePipelineEditor((s) => s.nodes);
  const edges = usePipelineEditor((s) => s.edges);
  const fitRequest = usePipelineEditor((s) => s.fitRequest);
  const blocked = usePipelineEditor((s) => Boolean(s.blocked));
  const { screenToFlowPosition, fitView, setViewport } = useReactFlow();
  const flow = useStoreApi();
  const refusalTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (fitRequest === 0) return;
    const t = setTimeout(() => {
      const { width, height } = flow.getState();
      const start = openingView(usePipelineEditor.getState().nodes, width, height);
      if (start) void setViewport(start);
      else void fitView({ ...FIT_ALL, maxZoom: 1.2 });
    }, 30);
    return () => clearTimeout(t);
  }, [fitRequest, fitView, setViewport, flow]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditableTarget(e.target) || usePipelineEditor.getState().tab !== 'graph') return;
      const mod = e.ctrlKey || e.metaKey;
      if (!mod || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'z' && !e.shiftKey) undoEdit();
      else if ((k === 'z' && e.shiftKey) || k === 'y') redoEdit();
      else if (k === 'c' && !e.shiftKey) copySelection();
      else if (k === 'v' && !e.shiftKey) paste();
      else if (k === 'a' && !e.shiftKey) selectAll();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const isValidConnection: IsValidConnection<Edge> = useCallback((c: Edge | Connection) => {
    if (!c.source || !c.target) return false;
    return checkConnection(c.source, c.target);
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(DRAG_TYPE) as TaskType;
      if (!type) return;
      e.preventDefault();
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      addTaskAt(type, { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 });
    },
    [screenToFlowPosition],
  );

  return (
    <div
      className="canvas"
      data-testid={ids.canvas}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
      }}
      onDrop={onDrop}
    >
      <ReactFlow<TaskFlowNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onDelete={onDelete}
        onConnect={onConnect}
        onConnectStart={() => {
          if (refusalTimer.current) clearTimeout(refusalTimer.current);
          clearRefusal();
        }}
        onConnectEnd={() => {
          // The reason stays readable for a moment after the mouse is released.
          if (refusalTimer.current) clearTimeout(refusalTimer.current);
          refusalTimer.current = setTimeout(clearRefusal, 6000);
        }}
        isValidConnection={isValidConnection}
        nodesDraggable={!blocked}
        nodesConnectable={!blocked}
        deleteKeyCode={blocked ? null : DELETE_KEYS}
        // The pane pans by dragging; Space as a pan key would swallow spaces typed in the task form's editors.
        panActivationKeyCode={null}
        onlyRenderVisibleElements={nodes.length > 150}
        minZoom={0.05}
        maxZoom={2}
        colorMode="dark"
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1} color="#2f343d" />
        {nodes.length > CANVAS_OVERVIEW_TASKS ? (
          <OverviewMap nodes={nodes} />
        ) : (
          <MiniMap
            pannable
            zoomable
            nodeColor={minimapColor}
            maskColor="rgba(20,22,27,0.7)"
            style={{ background: '#1f2229' }}
          />
        )}
        <Controls showInteractive={false} fitViewOptions={FIT_ALL} />
      </ReactFlow>
      {nodes.length === 0 && !blocked && (
        <div className="canvas-empty muted">
          Drag a task type from the left onto the canvas, then connect tasks by dragging from a task's right
          handle to another's left handle.
        </div>
      )}
      <RefusalBanner />
      <LayoutProgress />
    </div>
  );
}

/** The editor: palette, canvas, and the selected task's form; the Graph view when coloured by a run. */
export function GraphEditor() {
  return (
    <ReactFlowProvider>
      <div className="graph-editor">
        <Palette />
        <div className="graph-center">
          <Toolbar />
          <Canvas />
          <ProblemsList />
        </div>
        <TaskForm />
      </div>
    </ReactFlowProvider>
  );
}

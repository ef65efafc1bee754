import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type Edge,
  type IsValidConnection,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import {
  ClipboardPaste,
  Copy,
  Database,
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
import { useCallback, useEffect, useRef, type DragEvent, type ReactNode } from 'react';
import type { TaskType } from '../../shared/pipeline/model';
import { NODE_HEIGHT, NODE_WIDTH, type TaskFlowNode } from './graph-model';
import { nodeTypes } from './nodes';
import { runStateOf } from './node-status';
import { STATE_COLORS } from './run-views';
import { selectRun, useRuns } from './runs-store';
import {
  addTaskAt,
  autoLayout,
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

function RunPicker() {
  const runs = useRuns((s) => s.runs);
  const selected = useRuns((s) => s.selectedRunId);
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
        onClick={() => void fitView({ padding: 0.15, duration: 200 })}
      >
        <Maximize size={14} />
      </button>
      <span className="spacer" />
      <RunPicker />
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

function Canvas() {
  const nodes = usePipelineEditor((s) => s.nodes);
  const edges = usePipelineEditor((s) => s.edges);
  const fitRequest = usePipelineEditor((s) => s.fitRequest);
  const blocked = usePipelineEditor((s) => Boolean(s.blocked));
  const { screenToFlowPosition, fitView } = useReactFlow();
  const refusalTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (fitRequest === 0) return;
    const t = setTimeout(() => void fitView({ padding: 0.15, maxZoom: 1.2 }), 30);
    return () => clearTimeout(t);
  }, [fitRequest, fitView]);

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
        onConnect={(c) => connect(c.source, c.target)}
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
        deleteKeyCode={blocked ? null : ['Delete', 'Backspace']}
        // The pane pans by dragging; Space as a pan key would swallow spaces typed in the task form's editors.
        panActivationKeyCode={null}
        onlyRenderVisibleElements={nodes.length > 150}
        minZoom={0.05}
        maxZoom={2}
        colorMode="dark"
        defaultEdgeOptions={{ type: 'smoothstep', style: { strokeWidth: 1.5 } }}
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1} color="#2f343d" />
        <MiniMap
          pannable
          zoomable
          nodeColor={minimapColor}
          maskColor="rgba(20,22,27,0.7)"
          style={{ background: '#1f2229' }}
        />
        <Controls showInteractive={false} />
      </ReactFlow>
      {nodes.length === 0 && !blocked && (
        <div className="canvas-empty muted">
          Drag a task type from the left onto the canvas, then connect tasks by dragging from a task's right
          handle to another's left handle.
        </div>
      )}
      <RefusalBanner />
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

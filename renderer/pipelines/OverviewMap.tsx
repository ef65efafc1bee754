import { Panel, useReactFlow, useStore, type ReactFlowState } from '@xyflow/react';
import { useEffect, useMemo, useRef, type PointerEvent } from 'react';
import { NODE_HEIGHT, NODE_WIDTH, type TaskFlowNode } from './graph-model';
import { colouredRun, instancesOf, useRunsPerFrame } from './node-status';
import { STATE_COLORS } from './run-views';
import { useRuns, type RunsState } from './runs-store';
import { usePipelineEditor } from './store';
import { pipelineTestIds as ids } from './testids';

const W = 220;
const H = 150;
const PAD = 6;
const NO_STATE = '#4b5263';

const selectRuns = (s: RunsState) => s.runs;
const selectSelectedRun = (s: RunsState) => s.selectedRunId;
const selectTransform = (s: ReactFlowState) => s.transform;
const selectWidth = (s: ReactFlowState) => s.width;
const selectHeight = (s: ReactFlowState) => s.height;

/**
 * How the pipeline's bounds map into the overview: flow x = (px - PAD) / sx + minX, and y alike. The axes are
 * scaled apart so the map fills its box: a 5,000-task pipeline is often hundreds of times wider than tall, and
 * at one scale it would be a line a pixel high.
 */
function frameOf(nodes: readonly TaskFlowNode[]) {
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
  if (!nodes.length) [minX, minY, maxX, maxY] = [0, 0, 1, 1];
  const sx = (W - 2 * PAD) / (maxX - minX);
  const sy = (H - 2 * PAD) / (maxY - minY);
  return { minX, minY, sx, sy };
}

/**
 * The whole pipeline in a corner, drawn on one canvas: React Flow's minimap keeps a component per node, which at
 * thousands of tasks costs more than the canvas itself. Tasks are coloured by the coloured run's states; the
 * frame shows the part on screen; a click or drag moves the view there.
 */
export function OverviewMap({ nodes }: { nodes: readonly TaskFlowNode[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const runs = useRunsPerFrame(selectRuns);
  const selectedRunId = useRunsPerFrame(selectSelectedRun);
  const tab = usePipelineEditor((s) => s.tab);
  const [tx, ty, zoom] = useStore(selectTransform);
  const width = useStore(selectWidth);
  const height = useStore(selectHeight);
  const { setCenter } = useReactFlow();
  const frame = useMemo(() => frameOf(nodes), [nodes]);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = W * dpr;
    el.height = H * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const run = colouredRun({ ...useRuns.getState(), runs, selectedRunId }, tab);
    const states = run ? instancesOf(run) : null;
    const w = Math.max(1, NODE_WIDTH * frame.sx);
    const h = Math.max(1, NODE_HEIGHT * frame.sy);
    for (const n of nodes) {
      const state = states?.get(n.id)?.state;
      ctx.fillStyle = state && state !== 'none' ? STATE_COLORS[state] : NO_STATE;
      ctx.fillRect(
        PAD + (n.position.x - frame.minX) * frame.sx,
        PAD + (n.position.y - frame.minY) * frame.sy,
        w,
        h,
      );
    }
  }, [nodes, frame, runs, selectedRunId, tab]);

  const view = {
    left: PAD + (-tx / zoom - frame.minX) * frame.sx,
    top: PAD + (-ty / zoom - frame.minY) * frame.sy,
    width: Math.max(2, (width / zoom) * frame.sx),
    height: Math.max(2, (height / zoom) * frame.sy),
  };

  const moveTo = (e: PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = (e.clientX - r.left - PAD) / frame.sx + frame.minX;
    const y = (e.clientY - r.top - PAD) / frame.sy + frame.minY;
    void setCenter(x, y, { zoom });
  };

  return (
    <Panel position="bottom-right">
      <div
        className="overview-map"
        data-testid={ids.overview}
        style={{ width: W, height: H }}
        title="The whole pipeline: click or drag to move the view"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          moveTo(e);
        }}
        onPointerMove={(e) => {
          if (e.buttons & 1) moveTo(e);
        }}
      >
        <canvas ref={canvas} style={{ width: W, height: H }} />
        <div className="overview-view" style={view} />
      </div>
    </Panel>
  );
}

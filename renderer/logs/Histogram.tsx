import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';
import type { LogHistogram } from '../../shared/logs/model';
import { axisStyle, tooltipStyle } from '../runs/EChart';
import { zoomTo } from './actions';
import { formatTime } from './store';
import { logsTestIds } from './testids';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

const HEIGHT = 110;

function label(ms: number, intervalMs: number): string {
  const t = formatTime(ms);
  return intervalMs >= 24 * 3_600_000
    ? t.slice(0, 10)
    : intervalMs >= 60_000
      ? t.slice(5, 16)
      : t.slice(11, 19);
}

/** Matches over time; dragging across it sets the time range to the buckets under the drag. */
export function Histogram({ histogram }: { histogram: LogHistogram }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = echarts.init(el, null, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const { buckets, intervalMs } = histogram;
    c.setOption(
      {
        backgroundColor: 'transparent',
        animation: false,
        grid: { left: 44, right: 12, top: 8, bottom: 22 },
        tooltip: {
          ...tooltipStyle,
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          formatter: (p: { dataIndex: number }[]) => {
            const b = buckets[p[0]?.dataIndex ?? 0];
            return b ? `${formatTime(b.time)}<br/>${b.count.toLocaleString()} records` : '';
          },
        },
        xAxis: {
          type: 'category',
          data: buckets.map((b) => label(b.time, intervalMs)),
          ...axisStyle,
          splitLine: { show: false },
        },
        yAxis: { type: 'value', minInterval: 1, ...axisStyle },
        series: [
          {
            id: 'count',
            type: 'bar',
            data: buckets.map((b) => b.count),
            itemStyle: { color: '#3b82f6' },
            barCategoryGap: '12%',
          },
        ],
      },
      { notMerge: true },
    );
  }, [histogram]);

  const bucketAt = (x: number): number => {
    const c = chart.current;
    if (!c) return 0;
    // The x axis is categories: the grid converts a pixel to the index of the bucket under it.
    const v = c.convertFromPixel({ gridIndex: 0 }, [x, 0]) as number[] | number;
    const i = Array.isArray(v) ? v[0] : v;
    return typeof i === 'number' && Number.isFinite(i) ? i : 0;
  };

  const localX = (e: React.PointerEvent) => e.clientX - (box.current?.getBoundingClientRect().left ?? 0);

  return (
    <div
      className="logs-histogram"
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        const x = localX(e);
        setDrag({ x0: x, x1: x });
      }}
      onPointerMove={(e) => drag && setDrag({ ...drag, x1: localX(e) })}
      onPointerUp={(e) => {
        if (!drag) return;
        const x1 = localX(e);
        setDrag(null);
        // A click (no drag) zooms into its one bucket, as Discover does.
        void zoomTo(bucketAt(drag.x0), bucketAt(x1));
      }}
      onPointerCancel={() => setDrag(null)}
      title="Drag across the chart to zoom into that time"
    >
      <div
        ref={box}
        style={{ height: HEIGHT, width: '100%' }}
        data-testid={logsTestIds.histogram}
        data-buckets={histogram.buckets.length}
      />
      {drag && Math.abs(drag.x1 - drag.x0) > 2 && (
        <div
          className="logs-histogram-brush"
          style={{ left: Math.min(drag.x0, drag.x1), width: Math.abs(drag.x1 - drag.x0) }}
        />
      )}
    </div>
  );
}

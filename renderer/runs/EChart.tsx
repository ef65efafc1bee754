import { BarChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  MarkLineComponent,
  ParallelComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([
  BarChart,
  LineChart,
  ScatterChart,
  ParallelChart,
  GridComponent,
  TooltipComponent,
  DataZoomComponent,
  ParallelComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

/** Colors of axes and text on the app's dark theme. */
export const CHART_TEXT = '#8b93a1';
export const CHART_LINE = '#3a404b';
export const CHART_SPLIT = '#262a31';

export const axisStyle = {
  axisLine: { lineStyle: { color: CHART_LINE } },
  axisTick: { lineStyle: { color: CHART_LINE } },
  axisLabel: { color: CHART_TEXT, fontSize: 10 },
  splitLine: { lineStyle: { color: CHART_SPLIT } },
  nameTextStyle: { color: CHART_TEXT, fontSize: 11 },
};

export const tooltipStyle = {
  backgroundColor: '#262a31',
  borderColor: '#3a404b',
  textStyle: { color: '#d7dae0', fontSize: 11 },
  confine: true,
};

interface Props {
  option: ChartOption;
  height: number;
  testId?: string;
  className?: string;
}

/**
 * One ECharts canvas that follows its box's size. After each draw, the ids of the series the chart holds are
 * written to `data-series` (read back from the chart, so a test sees what was drawn, not what was meant).
 */
export function EChart({ option, height, testId, className }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

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
    const el = box.current;
    if (!c || !el) return;
    c.setOption({ backgroundColor: 'transparent', animation: false, ...option }, { notMerge: true });
    const drawn = (c.getOption().series as { id?: string; data?: unknown[] }[] | undefined) ?? [];
    el.dataset.series = drawn
      .filter((s) => Array.isArray(s.data) && s.data.length > 0 && s.id && !s.id.startsWith('_'))
      .map((s) => s.id)
      .join(',');
  }, [option]);

  return <div ref={box} className={className} style={{ height, width: '100%' }} data-testid={testId} />;
}

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Draw as bars instead of a line. */
  bars?: boolean;
}

/** A time-series chart (uPlot on a canvas); every point arrives in one answer, nothing is fetched per point. */
export function TimeChart(props: {
  title: string;
  t: number[];
  series: ChartSeries[];
  unit?: string;
  id: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: 220,
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          ...(s.bars
            ? { fill: `${s.color}55`, paths: uPlot.paths.bars!({ size: [0.7, 40] }), points: { show: false } }
            : { points: { show: true, size: 5, fill: s.color } }),
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${round(v)}${props.unit ?? ''}`),
        })),
      ],
      axes: [{ stroke: '#4b5563' }, { stroke: '#4b5563', size: 56 }],
      scales: {
        // Half a step of room on each side, so that the first and last bars are whole.
        x: { range: (_u, min, max) => [min - halfStep(props.t), max + halfStep(props.t)] },
        y: { range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] },
      },
      legend: { live: false },
    };
    const chart = new uPlot(
      options,
      [props.t, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const observer = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(element.clientWidth, 200), height: 220 }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [props.t, props.series, props.unit]);
  const total = props.series.map((s) => `${s.label}: ${summary(s.values)}`).join('; ');
  return (
    <figure class="chart" aria-labelledby={`${props.id}-title`}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      <div
        ref={host}
        class="chart-canvas"
        role="img"
        aria-label={`${props.title}. ${total}`}
        data-chart={props.id}
      />
    </figure>
  );
}

function halfStep(t: number[]): number {
  return t.length > 1 ? (t[1]! - t[0]!) / 2 : 1800;
}

function round(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

function summary(values: (number | null)[]): string {
  const numbers = values.filter((v): v is number => v !== null);
  if (numbers.length === 0) return 'no data';
  return `total ${round(numbers.reduce((a, b) => a + b, 0))}, highest ${round(Math.max(...numbers))}`;
}

/** A small line of requests per point, for tables; its numbers are in the label. */
export function Sparkline(props: { values: number[]; label: string; unit?: string }) {
  const max = Math.max(1, ...props.values);
  const step = props.values.length > 1 ? 100 / (props.values.length - 1) : 100;
  const points = props.values
    .map((v, i) => `${(i * step).toFixed(1)},${(20 - (v / max) * 18).toFixed(1)}`)
    .join(' ');
  const total = props.values.reduce((a, b) => a + b, 0);
  return (
    <svg
      class="sparkline"
      viewBox="0 0 100 20"
      preserveAspectRatio="none"
      role="img"
      aria-label={`${props.label}: ${total} ${props.unit ?? 'requests'}`}
    >
      <polyline
        points={points}
        fill="none"
        stroke="#2563eb"
        stroke-width="1.5"
        vector-effect="non-scaling-stroke"
      />
    </svg>
  );
}

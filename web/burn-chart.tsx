// The month's burn with uPlot (about 50 KB, canvas, no dependencies): spend per day as bars and the running
// total as a line. Redrawn when the data or the card's width changes; colours follow the theme.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { money } from './format.js';

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function BurnChart({ days }: { days: { day: string; cents: number; cumulativeCents: number }[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
    const bars = uPlot.paths.bars!({ size: [0.6, 24] });
    const axis = { stroke: css('--muted'), grid: { stroke: css('--line'), width: 1 }, ticks: { stroke: css('--line') } };
    const options: uPlot.Options = {
      width: el.clientWidth,
      height: 240,
      scales: { x: { time: true } },
      legend: { show: true },
      axes: [
        { ...axis },
        { ...axis, values: (_u, ticks) => ticks.map((t) => money(t)), size: 70 },
      ],
      series: [
        { label: 'day', value: (_u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
        { label: 'per day', stroke: css('--accent-2'), fill: css('--accent-2-soft'), paths: bars, points: { show: false }, value: (_u, v) => (v == null ? '' : money(v)) },
        { label: 'month to date', stroke: css('--accent'), width: 2, points: { show: false }, value: (_u, v) => (v == null ? '' : money(v)) },
      ],
    };
    const plot = new uPlot(options, [xs, days.map((d) => d.cents), days.map((d) => d.cumulativeCents)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days]);
  return <div class="chart" ref={box} data-chart="burn" />;
}

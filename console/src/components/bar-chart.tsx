import { useId, useState } from 'react';
import './bar-chart.css';

export interface BarSeries {
  key: string;
  label: string;
}

export interface BarChartProps {
  /** What the chart shows, read by screen readers and used as the data table's caption. */
  title: string;
  /** The bars, left to right (e.g. days). */
  categories: { key: string; label: string }[];
  /** The stacked parts of each bar, bottom to top (e.g. agents). */
  series: BarSeries[];
  /** values[category][series]. */
  values: number[][];
  format: (value: number) => string;
}

const WIDTH = 720;
const HEIGHT = 260;
const PLOT = { left: 64, right: 8, top: 12, bottom: 36 };
/** Colours come from bar-chart.css (.bar-series-N); more series than that reuse them. */
const PALETTE_SIZE = 8;

/** Round axis steps: 1, 2 or 5 times a power of ten, so the labels read easily. */
function niceMaximum(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((multiple) => multiple * power >= value) ?? 10;
  return step * power;
}

/**
 * A stacked bar chart drawn as SVG, with a legend and a data table behind a toggle for those who
 * cannot see the chart (or want the figures).
 */
export function BarChart({ title, categories, series, values, format }: BarChartProps) {
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  const totals = values.map((row) => row.reduce((sum, value) => sum + value, 0));
  const maximum = niceMaximum(Math.max(0, ...totals));
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const slot = plotWidth / Math.max(1, categories.length);
  const barWidth = Math.max(2, slot * 0.7);
  const labelEvery = Math.ceil(categories.length / 10);
  const y = (value: number) => PLOT.top + plotHeight - (value / maximum) * plotHeight;
  const ticks = [0, maximum / 2, maximum];
  const color = (index: number) => `bar-series-${index % PALETTE_SIZE}`;

  return (
    <figure className="bar-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={title}
        preserveAspectRatio="xMidYMid meet"
      >
        {ticks.map((tick) => (
          <g key={tick} className="bar-chart-tick">
            <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={y(tick)} y2={y(tick)} />
            <text x={PLOT.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
              {format(tick)}
            </text>
          </g>
        ))}
        {categories.map((category, index) => {
          const x = PLOT.left + index * slot + (slot - barWidth) / 2;
          let base = 0;
          return (
            <g key={category.key} data-category={category.key}>
              {series.map((part, seriesIndex) => {
                const value = values[index]?.[seriesIndex] ?? 0;
                if (value <= 0) return null;
                const top = y(base + value);
                const height = y(base) - top;
                base += value;
                return (
                  <rect
                    key={part.key}
                    className={color(seriesIndex)}
                    x={x}
                    y={top}
                    width={barWidth}
                    height={Math.max(height, 0.5)}
                    data-series={part.key}
                  >
                    <title>{`${category.label} · ${part.label}: ${format(value)}`}</title>
                  </rect>
                );
              })}
              {index % labelEvery === 0 ? (
                <text
                  className="bar-chart-label"
                  x={x + barWidth / 2}
                  y={HEIGHT - PLOT.bottom + 16}
                  textAnchor="middle"
                >
                  {category.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul className="bar-chart-legend" aria-label="Legend">
          {series.map((part, index) => (
            <li key={part.key}>
              <span className={`bar-chart-swatch ${color(index)}`} aria-hidden="true" />
              {part.label}
            </li>
          ))}
        </ul>
        <button
          type="button"
          aria-expanded={showTable}
          aria-controls={tableId}
          onClick={() => setShowTable((shown) => !shown)}
        >
          {showTable ? 'Hide the data table' : 'Show the data table'}
        </button>
      </figcaption>
      <div id={tableId} className="table-scroll" hidden={!showTable}>
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">&nbsp;</th>
              {series.map((part) => (
                <th key={part.key} scope="col" className="numeric">
                  {part.label}
                </th>
              ))}
              <th scope="col" className="numeric">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {categories.map((category, index) => (
              <tr key={category.key}>
                <th scope="row">{category.label}</th>
                {series.map((part, seriesIndex) => (
                  <td key={part.key} className="numeric">
                    {format(values[index]?.[seriesIndex] ?? 0)}
                  </td>
                ))}
                <td className="numeric">{format(totals[index] ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

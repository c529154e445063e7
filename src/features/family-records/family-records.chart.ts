import * as vega from 'vega'
import * as vl from 'vega-lite'
import type { TopLevelSpec } from 'vega-lite'

// The family's scores as a chart: Vega-Lite compiled and rendered to SVG on the server (no script in the browser, so
// it works without JavaScript and under the strict CSP). Every chart has a <title> and an aria-label, and the page
// shows the same numbers in a table beside it.

export type ChartPoint = { when: string; order: number; value: number | string }

export type ChartPanel =
  /** A 0 to 10 score (a parent's or carer's): higher is better. */
  | { kind: 'adult'; title: string; points: ChartPoint[] }
  /** Red, amber or green (a child's or young person's). */
  | { kind: 'child'; title: string; points: ChartPoint[]; labels: { red: string; amber: string; green: string } }
  /** The team's Distance Travelled score, 0 (no worries) to 4 (very big worries): drawn upside down so up is better. */
  | { kind: 'team'; title: string; points: ChartPoint[]; labels: readonly string[] }

const WIDTH = 240
const HEIGHT = 90
const BLUE = '#1d70b8'
const GREEN = '#00703c'

function xEncoding() {
  return { field: 'when', type: 'ordinal' as const, sort: { field: 'order', op: 'min' as const }, title: null, axis: { labelAngle: -40, labelLimit: 200 } }
}

function panelSpec(panel: ChartPanel) {
  const base = { width: WIDTH, height: HEIGHT, title: { text: panel.title, anchor: 'start' as const, fontSize: 13 }, data: { values: panel.points } }
  if (panel.kind === 'adult') {
    return {
      ...base,
      mark: { type: 'line' as const, point: { size: 60, filled: true }, color: BLUE, strokeWidth: 3 },
      encoding: { x: xEncoding(), y: { field: 'value', type: 'quantitative' as const, title: null, scale: { domain: [0, 10] }, axis: { values: [0, 5, 10], tickCount: 3 } } },
    }
  }
  if (panel.kind === 'child') {
    const order = ['red', 'amber', 'green']
    const labelExpr = `datum.value === "red" ? ${JSON.stringify(panel.labels.red)} : datum.value === "amber" ? ${JSON.stringify(panel.labels.amber)} : ${JSON.stringify(panel.labels.green)}`
    return {
      ...base,
      mark: { type: 'point' as const, filled: true, size: 140, shape: 'circle' },
      encoding: {
        x: xEncoding(),
        y: { field: 'value', type: 'ordinal' as const, title: null, scale: { domain: order.slice().reverse() }, axis: { labelExpr, labelLimit: 200 } },
        color: { field: 'value', type: 'nominal' as const, legend: null, scale: { domain: order, range: ['#d4351c', '#f47738', GREEN] } },
      },
    }
  }
  const labelExpr = panel.labels.map((label, index) => `datum.value === ${index} ? ${JSON.stringify(label)} : `).join('') + '""'
  return {
    ...base,
    mark: { type: 'line' as const, point: { size: 60, filled: true }, color: GREEN, strokeWidth: 3, strokeDash: [6, 3] },
    encoding: {
      x: xEncoding(),
      y: { field: 'value', type: 'quantitative' as const, title: null, scale: { domain: [0, 4], reverse: true }, axis: { values: [0, 2, 4], labelExpr, labelLimit: 200 } },
    },
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, character => `&#${character.charCodeAt(0)};`)
}

/** One chart for one element: a panel per kind of score that has any. Returns SVG text that is safe to put in a page. */
export async function renderScoreChart(id: string, title: string, description: string, panels: readonly ChartPanel[]): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    config: { font: 'Arial, sans-serif', axis: { labelFontSize: 12, labelColor: '#0b0c0c', gridColor: '#e5e5e5' }, view: { stroke: '#b1b4b6' } },
    vconcat: panels.map(panelSpec),
  } as TopLevelSpec
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' })
  const svg = await view.toSVG()
  view.finalize()
  const label = escapeXml(`${title}. ${description}`)
  // role="img" with a <title>: screen readers read the title and the description; the table beside it has every number.
  // Scales to the width of the page (320 px phones): the viewBox keeps the shape, the height follows.
  return svg
    .replace(/^<svg /, `<svg role="img" aria-labelledby="${id}" `)
    .replace(/^(<svg[^>]*?) width="(\d+)" height="(\d+)"/, '$1 width="100%"')
    .replace(/(<svg[^>]*>)/, `$1<title id="${id}">${label}</title>`)
}

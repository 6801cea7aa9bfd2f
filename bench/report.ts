import { type BenchRecord, type Goal, meetsGoal, type Place } from './types'

/** Plain-text report of bench records: one table per bench, a column per place it ran in. */

const PLACE_HEADINGS: Record<Place, string> = {
  'chromium-worker': 'Chromium worker',
  'chromium-page': 'Chromium page',
  node: 'Node',
  app: 'app (Chromium)',
}

/** Where a bench's goals are judged: where it runs for real. */
const PRIMARY: readonly Place[] = ['chromium-worker', 'chromium-page', 'app', 'node']

/** 3 significant digits, thousands separated: 1,234 · 56.7 · 0.912. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  const a = Math.abs(v)
  if (a >= 100) return Math.round(v).toLocaleString('en-US')
  if (a >= 10) return v.toFixed(1)
  if (a >= 1) return v.toFixed(2)
  return v.toPrecision(3)
}

function formatGoal(goal: Goal | undefined, unit: string): string {
  if (goal === undefined) return ''
  const u = unit === '×' ? '×' : ` ${unit}`
  const parts: string[] = []
  const plain = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 3 })
  if (goal.min !== undefined) parts.push(`≥ ${plain(goal.min)}${u}`)
  if (goal.max !== undefined) parts.push(`≤ ${plain(goal.max)}${u}`)
  return parts.join(', ')
}

function pad(s: string, width: number, right = false): string {
  const len = [...s].length
  return len >= width ? s : right ? ' '.repeat(width - len) + s : s + ' '.repeat(width - len)
}

interface Row {
  label: string
  unit: string
  goal: Goal | undefined
  note: string | undefined
  values: Map<Place, number>
}

function rowsOf(records: readonly BenchRecord[]): Row[] {
  const rows = new Map<string, Row>()
  for (const rec of records) {
    const r = rec.result
    if (r === undefined) continue
    const items = [
      ...r.figures.map((f) => ({ ...f, unit: f.unit })),
      ...r.ratios.map((x) => ({ ...x, unit: '×' })),
    ]
    for (const item of items) {
      let row = rows.get(item.label)
      if (row === undefined) {
        row = { label: item.label, unit: item.unit, goal: item.goal, note: item.note, values: new Map() }
        rows.set(item.label, row)
      }
      row.values.set(rec.place, item.value)
    }
  }
  return [...rows.values()]
}

/** The report for records of one run (several places per bench name). */
export function formatReport(records: readonly BenchRecord[]): string {
  const out: string[] = []
  const names = [...new Set(records.map((r) => r.name))]
  for (const name of names) {
    const recs = records.filter((r) => r.name === name)
    const places = PRIMARY.filter((p) => recs.some((r) => r.place === p))
    const primary = places[0]
    const seconds = recs
      .map((r) => `${PLACE_HEADINGS[r.place]} ${(r.elapsedMs / 1000).toFixed(1)} s`)
      .join(', ')
    out.push('', `■ ${name} — ${recs[0]?.title ?? ''}  (${seconds})`)
    for (const r of recs)
      if (r.error !== undefined) out.push(`  ERROR in ${PLACE_HEADINGS[r.place]}: ${r.error}`)
    const rows = rowsOf(recs)
    if (rows.length === 0) continue
    const labelW = Math.max(20, ...rows.map((r) => [...r.label].length)) + 2
    const cell = (r: Row, p: Place): string => {
      const v = r.values.get(p)
      return v === undefined ? '—' : r.unit === '×' ? `${formatNumber(v)}×` : `${formatNumber(v)} ${r.unit}`
    }
    const columns = places.map((p) => ({
      place: p,
      width: Math.max(PLACE_HEADINGS[p].length, ...rows.map((r) => [...cell(r, p)].length)) + 2,
    }))
    const goalW = Math.max(4, ...rows.map((r) => [...formatGoal(r.goal, r.unit)].length)) + 2
    out.push(
      `  ${pad('', labelW)}${columns.map((c) => pad(PLACE_HEADINGS[c.place], c.width, true)).join('')}  ` +
        pad('goal', goalW),
    )
    for (const row of rows) {
      const v = primary === undefined ? undefined : row.values.get(primary)
      const verdict =
        row.goal === undefined || v === undefined ? '' : meetsGoal(v, row.goal) ? 'meets goal' : 'below goal'
      const line =
        `  ${pad(row.label, labelW)}${columns.map((c) => pad(cell(row, c.place), c.width, true)).join('')}  ` +
        `${pad(formatGoal(row.goal, row.unit), goalW)}${pad(verdict, 12)}` +
        (row.note === undefined ? '' : `  ${row.note}`)
      out.push(line.trimEnd())
    }
    const notes = recs.find((r) => r.place === primary)?.result?.notes ?? []
    for (const n of notes) out.push(`    · ${n}`)
  }
  return out.join('\n')
}

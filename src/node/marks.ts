/**
 * User Timing marks of a tab's start-up (`tabchain:<name>`, each set once): visible in DevTools'
 * performance panel, and read by the connect bench to show where the time goes.
 */
export function startupMark(name: string): void {
  const full = `tabchain:${name}`
  if (performance.getEntriesByName(full, 'mark').length === 0) performance.mark(full)
}

/**
 * This realm's start-up marks as ms since the Unix epoch (`performance.timeOrigin` + the mark's time), by
 * name without the `tabchain:` prefix: a page and its worker have different time origins, so their
 * marks are compared on this common clock.
 */
export function startupMarkTimes(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of performance.getEntriesByType('mark')) {
    if (m.name.startsWith('tabchain:'))
      out[m.name.slice('tabchain:'.length)] = performance.timeOrigin + m.startTime
  }
  return out
}

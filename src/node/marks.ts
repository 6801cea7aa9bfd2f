/**
 * User Timing marks of a tab's start-up (`tabchain:<name>`, each set once): visible in DevTools'
 * performance panel, and read by the connect bench to show where the time goes.
 */
export function startupMark(name: string): void {
  const full = `tabchain:${name}`
  if (performance.getEntriesByName(full, 'mark').length === 0) performance.mark(full)
}

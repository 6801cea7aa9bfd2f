/**
 * Polls `check` every 20 ms until it holds: tests wait on conditions, not on sleeps. Throws after
 * `timeoutMs` (generous by default: a loaded machine is slow, and only a failing test waits it out).
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

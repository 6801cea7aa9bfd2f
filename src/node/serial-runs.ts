/**
 * Runs a task one at a time, coalescing the asks: asked while a run goes (or while runs are held), the
 * task runs once more after it, however many times it was asked meanwhile. Sync runs, header-sync runs
 * and the swap engine's passes go through one each.
 */
export class SerialRuns {
  readonly #task: () => Promise<void>
  #running: Promise<void> | null = null
  #again = false
  #held = false

  constructor(task: () => Promise<void>) {
    this.#task = task
  }

  /** Starts a run unless one is going or runs are held; then one more runs when it ends or they are released. */
  start(): void {
    if (this.#running !== null || this.#held) {
      this.#again = true
      return
    }
    this.#running = this.#task().finally(() => {
      this.#running = null
      if (this.#again && !this.#held) {
        this.#again = false
        this.start()
      }
    })
  }

  /** Holds runs back (a going run ends as it would); asks meanwhile start one run when released. */
  hold(on: boolean): void {
    this.#held = on
    if (!on && this.#again && this.#running === null) {
      this.#again = false
      this.start()
    }
  }

  /** Resolves when the current run (if any) and the runs asked for during it have ended. */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running
  }
}

/**
 * `task` as a refresh asked at will (at each head, on each change): asks coalesce through a `SerialRuns`,
 * so two runs never overlap and a slow run of an older ask cannot write over what a newer one read. A
 * run that fails goes to `onError`. The promise resolves (never rejects) when the run going or started
 * and the one more asked meanwhile have ended.
 */
export function serialRefresh(
  task: () => Promise<void>,
  onError: (err: unknown) => void,
): () => Promise<void> {
  const runs = new SerialRuns(() => task().catch(onError))
  return () => {
    runs.start()
    return runs.idle()
  }
}

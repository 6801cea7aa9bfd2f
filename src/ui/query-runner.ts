/** What a screen shows of a node query: its value, its failure (a sentence), or null while loading. */
export type QueryResult<T> = { readonly value: T } | { readonly error: string } | null

/** Runs one screen's node query again when asked to, and hands each answer to the screen. */
export interface QueryRunner<T> {
  /**
   * Runs `query` now, or, while an earlier run is on its way, once that run has answered (a later call
   * meanwhile takes the place of this one: only the newest query runs next).
   */
  run(query: () => Promise<T>): void
  /** Drops the answer of the run on its way and runs nothing more (the screen left, or its inputs changed). */
  close(): void
}

/**
 * A query's runs, one at a time, each answer shown (`show`) when it comes. A run is not dropped when
 * another is asked for meanwhile (a new head): the queued one follows it. Before, each new head dropped
 * the run on its way and started another: on the fast chain, a block every few milliseconds, a loaded
 * machine answered no run before the next head, and the Explorer's pending list kept a mined
 * transaction for over a minute.
 */
export function createQueryRunner<T>(show: (result: QueryResult<T>) => void): QueryRunner<T> {
  let running = false
  let closed = false
  let next: (() => Promise<T>) | null = null
  const start = (query: () => Promise<T>): void => {
    running = true
    let answer: Promise<T>
    try {
      answer = query()
    } catch (err) {
      // A query that throws at once fails like one that rejects.
      answer = Promise.reject(err)
    }
    answer
      .then(
        (value): QueryResult<T> => ({ value }),
        (err: unknown): QueryResult<T> => ({ error: err instanceof Error ? err.message : String(err) }),
      )
      .then((result) => {
        running = false
        if (closed) return
        show(result)
        const queued = next
        next = null
        if (queued !== null) start(queued)
      })
  }
  return {
    run(query) {
      if (closed) return
      if (running) next = query
      else start(query)
    },
    close() {
      closed = true
      next = null
    },
  }
}

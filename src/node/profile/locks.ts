/** Exclusive, tab-lifetime locks on names (the Web Locks API in the app, a map in tests). */
export interface ProfileLocks {
  /**
   * Takes `name` if free. With `waitMs` > 0 waits that long for a holder to let go (a reloading tab
   * releases its lock as its old document unloads). Resolves to a release function, or null if taken.
   */
  acquire(name: string, waitMs: number): Promise<(() => void) | null>
  /** Names currently held by any tab of this origin. */
  held(): Promise<Set<string>>
}

/** Web Locks: held until released or until the tab closes, even if it crashes. */
export function webLocks(locks: LockManager = navigator.locks): ProfileLocks {
  return {
    acquire(name, waitMs) {
      return new Promise((resolve) => {
        const options: LockOptions =
          waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true }
        locks
          .request(name, options, (lock) => {
            if (lock === null) {
              resolve(null)
              return undefined
            }
            // The lock lives as long as this promise is pending.
            return new Promise<void>((release) => resolve(() => release()))
          })
          .catch(() => resolve(null))
      })
    },
    async held() {
      const state = await locks.query()
      return new Set((state.held ?? []).flatMap((l) => (l.name === undefined ? [] : [l.name])))
    },
  }
}

/** In-memory twin: one map shared by the "tabs" of a test. */
export function memoryLocks(): ProfileLocks {
  const taken = new Map<string, Array<() => void>>()
  return {
    async acquire(name, waitMs) {
      // The lock passes to the first waiter with the others still queued behind it, as Web Locks does.
      const grant = (): (() => void) => {
        if (!taken.has(name)) taken.set(name, [])
        return () => {
          const next = taken.get(name)?.shift()
          if (next === undefined) taken.delete(name)
          else next()
        }
      }
      if (!taken.has(name)) return grant()
      if (waitMs <= 0) return null
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          const waiters = taken.get(name) ?? []
          const at = waiters.indexOf(wake)
          if (at >= 0) waiters.splice(at, 1)
          resolve(null)
        }, waitMs)
        const wake = (): void => {
          clearTimeout(timer)
          resolve(grant())
        }
        taken.get(name)?.push(wake)
      })
    },
    async held() {
      return new Set(taken.keys())
    },
  }
}

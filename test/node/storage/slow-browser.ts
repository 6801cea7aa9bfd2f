import type { StorageManagerLike } from '../../../src/node/storage/storage-quota'

/**
 * A browser's `navigator.storage` that answers the page's `persist()` only when the test says
 * (`answer`): later than a first status read, as a real browser may. `persisted()` reads its answer
 * once given, false before.
 */
export function slowBrowser(usage = 4096, quota = 1_000_000) {
  let kept = false
  let answer: ((granted: boolean) => void) | null = null
  const manager: Required<StorageManagerLike> = {
    estimate: async () => ({ usage, quota }),
    persisted: async () => kept,
    persist: () =>
      new Promise<boolean>((resolve) => {
        answer = (granted) => {
          kept = granted
          resolve(granted)
        }
      }),
  }
  return {
    manager,
    answer(granted: boolean): void {
      if (answer === null) throw new Error('the page has not asked for persistence')
      answer(granted)
    },
  }
}

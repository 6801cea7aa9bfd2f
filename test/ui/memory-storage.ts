/** A `Storage` over a Map (Node has no localStorage): the page's own, for a browser that denies it. */
export { memoryStorage } from '../../src/node/profile/local-record'

/**
 * `storage` as a full one reads and writes it: it reads as it is, and refuses every write with the
 * browser's `QuotaExceededError` (a Safari private window's storage, or one turned off, throws alike).
 */
export function refusingStorage(storage: Storage): Storage {
  const refuse = (): never => {
    throw new DOMException('the quota has been exceeded', 'QuotaExceededError')
  }
  return {
    get length() {
      return storage.length
    },
    clear: refuse,
    getItem: (key) => storage.getItem(key),
    key: (i) => storage.key(i),
    removeItem: refuse,
    setItem: refuse,
  }
}

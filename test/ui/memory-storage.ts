/** A `Storage` over a Map (Node has no localStorage). */
export function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  }
}

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

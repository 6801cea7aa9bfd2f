/** One key's bucket, at its place in the limiter's heap. */
interface Bucket {
  readonly key: string
  tokens: number
  /** When `tokens` was last brought up to date, ms. */
  at: number
  /** When the bucket is full again if nothing more is taken, ms: the lower, the fuller it is now. */
  fullAt: number
  /** Order of the bucket's last take: among buckets as full, the lower is the older. */
  seq: number
  /** Its index in the heap. */
  index: number
}

/**
 * A token bucket per key: `burst` requests at once, refilled at `perSecond`. Time comes in as an
 * argument. Keys idle long enough to be full again are forgotten (a full bucket is a new one), and at
 * most `maxKeys` buckets are held: a new key past that evicts the fullest bucket, the oldest among
 * equals. So a client cycling keys cannot grow memory without bound, and cannot reset its own limit
 * by pushing its drained bucket out: the buckets it fills with new keys are fuller and go first. A
 * take costs O(log maxKeys).
 */
export class RateLimiter {
  /** By key. */
  readonly #buckets = new Map<string, Bucket>()
  /** A binary min-heap on (`fullAt`, `seq`): the fullest bucket, the oldest among equals, first. */
  readonly #heap: Bucket[] = []
  readonly #burst: number
  readonly #perSecond: number
  readonly #maxKeys: number
  #seq = 0

  /** `maxKeys` (default 1,024, at least 1): the most keys whose buckets are held at once. */
  constructor(opts: { burst: number; perSecond: number; maxKeys?: number }) {
    this.#burst = opts.burst
    this.#perSecond = opts.perSecond
    this.#maxKeys = Math.max(1, opts.maxKeys ?? 1024)
  }

  /** How many keys' buckets are held (at most `maxKeys`). */
  get size(): number {
    return this.#buckets.size
  }

  /** Takes one token for `key`: 0 when granted, else the ms until one is available. */
  take(key: string, now: number): number {
    let b = this.#buckets.get(key)
    if (b === undefined) {
      this.#forgetFull(now)
      // Every bucket held is still refilling: the fullest loses the least by starting afresh.
      if (this.#buckets.size >= this.#maxKeys) this.#drop()
      b = { key, tokens: this.#burst, at: now, fullAt: now, seq: 0, index: this.#heap.length }
      this.#buckets.set(key, b)
      this.#heap.push(b)
    }
    b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) * this.#perSecond) / 1000)
    b.at = now
    const granted = b.tokens >= 1
    if (granted) b.tokens -= 1
    b.fullAt = now + ((this.#burst - b.tokens) * 1000) / this.#perSecond
    b.seq = ++this.#seq
    this.#siftUp(b.index)
    this.#siftDown(b.index)
    return granted ? 0 : Math.ceil(((1 - b.tokens) * 1000) / this.#perSecond)
  }

  /** Forgets the buckets full again at `now`, fullest first: each is forgotten once per key that added it. */
  #forgetFull(now: number): void {
    for (let top = this.#heap[0]; top !== undefined; top = this.#heap[0]) {
      if (top.tokens + ((now - top.at) * this.#perSecond) / 1000 < this.#burst) return
      this.#drop()
    }
  }

  /** Removes the heap's first bucket (the fullest). */
  #drop(): void {
    const top = this.#heap[0]
    const last = this.#heap.pop()
    if (top === undefined || last === undefined) return
    this.#buckets.delete(top.key)
    if (last === top) return
    last.index = 0
    this.#heap[0] = last
    this.#siftDown(0)
  }

  #before(a: Bucket, b: Bucket): boolean {
    return a.fullAt < b.fullAt || (a.fullAt === b.fullAt && a.seq < b.seq)
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i] as Bucket
    const b = this.#heap[j] as Bucket
    this.#heap[i] = b
    this.#heap[j] = a
    b.index = i
    a.index = j
  }

  #siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#before(this.#heap[i] as Bucket, this.#heap[parent] as Bucket)) return
      this.#swap(i, parent)
      i = parent
    }
  }

  #siftDown(i: number): void {
    for (;;) {
      let first = i
      const [left, right] = [2 * i + 1, 2 * i + 2]
      const l = this.#heap[left]
      if (l !== undefined && this.#before(l, this.#heap[first] as Bucket)) first = left
      const r = this.#heap[right]
      if (r !== undefined && this.#before(r, this.#heap[first] as Bucket)) first = right
      if (first === i) return
      this.#swap(i, first)
      i = first
    }
  }
}

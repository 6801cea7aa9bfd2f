import type { Address, Hex } from 'viem'

/**
 * Recovered senders by transaction hash, bounded (least recently used evicted). The hash commits to the
 * signature, so a hit is as good as a recovery: the mempool fills it and block import reads it, so a
 * block of already-seen transactions costs no secp256k1 work.
 */
export class SenderCache {
  private readonly map = new Map<Hex, Address>()

  constructor(readonly capacity = 32_768) {}

  get(hash: Hex): Address | undefined {
    const from = this.map.get(hash)
    if (from !== undefined) {
      // Re-insert to mark as recently used (Map keeps insertion order).
      this.map.delete(hash)
      this.map.set(hash, from)
    }
    return from
  }

  set(hash: Hex, from: Address): void {
    this.map.delete(hash)
    this.map.set(hash, from)
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next()
      if (oldest.done !== true) this.map.delete(oldest.value)
    }
  }

  get size(): number {
    return this.map.size
  }
}

import type { Address, Hex } from 'viem'
import { bigintToFixed, bytesEqual, bytesToBigint } from '../codec/bytes'
import { StateError } from './errors'
import { accountKey, treeKey } from './keys'
import { type NodeStore, Trie, type TrieChange, type TrieNodeRecord, verifyProof } from './trie'

/** An account's nonce and native-coin balance (wei). */
export interface Account {
  readonly nonce: bigint
  readonly balance: bigint
}

/** The account every address has before it is touched. */
export const EMPTY_ACCOUNT: Account = { nonce: 0n, balance: 0n }

const MAX_U64 = (1n << 64n) - 1n

/** Tree value of an account (null for the empty account, which is stored as absence). */
export function encodeAccount(account: Account): Uint8Array | null {
  if (account.nonce === 0n && account.balance === 0n) return null
  if (account.nonce < 0n || account.nonce > MAX_U64) throw new RangeError('nonce out of range')
  const out = new Uint8Array(40)
  bigintToFixed(account.nonce, 8, out, 0)
  bigintToFixed(account.balance, 32, out, 8)
  return out
}

/** Account from its tree value (absent → empty account). Throws `StateError` on bad bytes. */
export function decodeAccount(value: Uint8Array | null | undefined): Account {
  if (value == null) return EMPTY_ACCOUNT
  if (value.length !== 40)
    throw new StateError({ code: 'STATE_CORRUPT', reason: 'account value must be 40 bytes' })
  return { nonce: bytesToBigint(value, 0, 8), balance: bytesToBigint(value, 8, 40) }
}

/** Tree value of a uint256 word (null for zero). */
export function encodeWord(value: bigint): Uint8Array | null {
  return value === 0n ? null : bigintToFixed(value, 32)
}

/** Word from its tree value (absent → 0). Throws `StateError` on bad bytes. */
export function decodeWord(value: Uint8Array | null | undefined): bigint {
  if (value == null) return 0n
  if (value.length !== 32)
    throw new StateError({ code: 'STATE_CORRUPT', reason: 'word value must be 32 bytes' })
  return bytesToBigint(value)
}

/** A state proof: the tree key proven and the node encodings from the root down. */
export interface StateProof {
  readonly key: Uint8Array
  readonly nodes: readonly Hex[]
}

/**
 * An immutable state snapshot (one root). Reading never changes it; `buffer()` opens a mutable
 * overlay whose `commit()` yields the next snapshot while this one stays readable.
 */
export class State {
  readonly trie: Trie
  readonly #unknown: ((logicalKey: string) => void) | undefined

  /**
   * @param unknown when set, a read whose tree node is not in the store is told to it and answers
   *   "absent" instead of throwing (a light node's call learns every key a run reads at once)
   */
  constructor(trie: Trie, unknown?: (logicalKey: string) => void) {
    this.trie = trie
    this.#unknown = unknown
  }

  /** The empty state. */
  static empty(store?: NodeStore): State {
    return new State(Trie.empty(store))
  }

  /** The state with root `root`, reading nodes from `store` on demand (`unknown`: see the constructor). */
  static fromRoot(root: Hex, store: NodeStore, unknown?: (logicalKey: string) => void): State {
    return new State(Trie.fromRoot(root, store), unknown)
  }

  /** State root (lower-case hex). */
  get root(): Hex {
    return this.trie.root
  }

  /** Raw tree value at a logical key (see ./keys), or undefined. */
  getRaw(logicalKey: string): Uint8Array | undefined {
    return this.read(logicalKey, treeKey(logicalKey))
  }

  /**
   * The tree value of `logicalKey` (at tree key `tk`); a missing node's error names the logical key
   * read, so state can be fetched key by key (a light node's calls) — or, with `unknown` set, the key
   * is told to it and the read answers absent.
   */
  read(logicalKey: string, tk: Uint8Array): Uint8Array | undefined {
    try {
      return this.trie.get(tk)
    } catch (err) {
      if (
        !(err instanceof StateError) ||
        err.type.code !== 'STATE_MISSING_NODE' ||
        err.type.key !== undefined
      )
        throw err
      if (this.#unknown === undefined) throw new StateError({ ...err.type, key: logicalKey })
      this.#unknown(logicalKey)
      return undefined
    }
  }

  getAccount(address: Address): Account {
    return decodeAccount(this.getRaw(accountKey(address)))
  }

  /** A uint256 word at a logical key (0 when absent). */
  getWord(logicalKey: string): bigint {
    return decodeWord(this.getRaw(logicalKey))
  }

  /** Inclusion or exclusion proof for a logical key. */
  prove(logicalKey: string): StateProof {
    const key = treeKey(logicalKey)
    return { key, nodes: this.trie.prove(key) }
  }

  /** A mutable overlay on this snapshot. */
  buffer(): StateBuffer {
    return new StateBuffer(this)
  }
}

/**
 * Checks a proof of a logical key against a state root: the raw value, or null when proven absent.
 * Throws `StateError` `STATE_BAD_PROOF` on a malformed or tampered proof.
 */
export function verifyStateProof(root: Hex, logicalKey: string, nodes: readonly Hex[]): Uint8Array | null {
  return verifyProof(root, treeKey(logicalKey), nodes)
}

/** Checks an account proof against a state root (see `verifyStateProof`). */
export function verifyAccountProof(root: Hex, address: Address, nodes: readonly Hex[]): Account {
  return decodeAccount(verifyStateProof(root, accountKey(address), nodes))
}

const KIND_ACCOUNT = 0
const KIND_WORD = 1
const KIND_BLOB = 2

type SlotValue = Account | bigint | Uint8Array | undefined

interface Slot {
  readonly treeKey: Uint8Array
  readonly kind: number
  readonly original: SlotValue
  value: SlotValue
}

interface JournalEntry {
  readonly slot: Slot
  readonly prev: SlotValue
}

/** Result of committing a buffer: the new snapshot and the tree nodes it created. */
export interface StateCommit {
  readonly state: State
  readonly created: TrieNodeRecord[]
}

/**
 * Write buffer over a snapshot, used for one block (or one read-only call).
 *
 * Reads are cached and writes held as decoded values in a map keyed by logical key; nothing is
 * hashed until `commit()`, which writes every changed key to the tree in one batch so each
 * touched tree node is hashed once per block. `checkpoint()`/`revertTo()` undo a reverted call.
 */
export class StateBuffer {
  readonly base: State
  readonly #slots = new Map<string, Slot>()
  readonly #journal: JournalEntry[] = []

  constructor(base: State) {
    this.base = base
  }

  #slot(logicalKey: string, kind: number): Slot {
    let slot = this.#slots.get(logicalKey)
    if (slot === undefined) {
      const tk = treeKey(logicalKey)
      const raw = this.base.read(logicalKey, tk)
      const value: SlotValue =
        kind === KIND_ACCOUNT ? decodeAccount(raw) : kind === KIND_WORD ? decodeWord(raw) : raw
      slot = { treeKey: tk, kind, original: value, value }
      this.#slots.set(logicalKey, slot)
    } else if (slot.kind !== kind) {
      throw new StateError({ code: 'STATE_CORRUPT', reason: `key ${logicalKey} read with two value kinds` })
    }
    return slot
  }

  #set(slot: Slot, value: SlotValue): void {
    this.#journal.push({ slot, prev: slot.value })
    slot.value = value
  }

  getAccount(address: Address): Account {
    return this.#slot(accountKey(address), KIND_ACCOUNT).value as Account
  }

  setAccount(address: Address, account: Account): void {
    this.#set(this.#slot(accountKey(address), KIND_ACCOUNT), account)
  }

  /** Adds `amount` wei to a balance. */
  credit(address: Address, amount: bigint): void {
    if (amount === 0n) return
    const a = this.getAccount(address)
    this.setAccount(address, { nonce: a.nonce, balance: a.balance + amount })
  }

  /** Takes `amount` wei from a balance; the caller has checked it suffices. */
  debit(address: Address, amount: bigint): void {
    if (amount === 0n) return
    const a = this.getAccount(address)
    if (a.balance < amount) throw new RangeError('debit exceeds balance')
    this.setAccount(address, { nonce: a.nonce, balance: a.balance - amount })
  }

  getWord(logicalKey: string): bigint {
    return this.#slot(logicalKey, KIND_WORD).value as bigint
  }

  setWord(logicalKey: string, value: bigint): void {
    this.#set(this.#slot(logicalKey, KIND_WORD), value)
  }

  getBlob(logicalKey: string): Uint8Array | undefined {
    return this.#slot(logicalKey, KIND_BLOB).value as Uint8Array | undefined
  }

  /** Stores a blob (undefined deletes it). Blobs must be non-empty. */
  setBlob(logicalKey: string, value: Uint8Array | undefined): void {
    this.#set(this.#slot(logicalKey, KIND_BLOB), value)
  }

  /** A mark to return to with `revertTo`. */
  checkpoint(): number {
    return this.#journal.length
  }

  /** Undoes every write made since `checkpoint`. */
  revertTo(checkpoint: number): void {
    for (let i = this.#journal.length - 1; i >= checkpoint; i--) {
      const j = this.#journal[i] as JournalEntry
      j.slot.value = j.prev
    }
    this.#journal.length = checkpoint
  }

  /** Writes every changed key to the tree in one batch and returns the new snapshot. */
  commit(): StateCommit {
    const changes: TrieChange[] = []
    for (const slot of this.#slots.values()) {
      if (sameValue(slot.kind, slot.original, slot.value)) continue
      changes.push({ key: slot.treeKey, value: encodeSlot(slot.kind, slot.value) })
    }
    const { trie, created } = this.base.trie.update(changes)
    return { state: trie === this.base.trie ? this.base : new State(trie), created }
  }
}

function sameValue(kind: number, a: SlotValue, b: SlotValue): boolean {
  if (a === b) return true
  if (kind === KIND_ACCOUNT) {
    const x = a as Account
    const y = b as Account
    return x.nonce === y.nonce && x.balance === y.balance
  }
  if (kind === KIND_BLOB)
    return a !== undefined && b !== undefined && bytesEqual(a as Uint8Array, b as Uint8Array)
  return false
}

function encodeSlot(kind: number, value: SlotValue): Uint8Array | null {
  if (kind === KIND_ACCOUNT) return encodeAccount(value as Account)
  if (kind === KIND_WORD) return encodeWord(value as bigint)
  const blob = value as Uint8Array | undefined
  return blob === undefined || blob.length === 0 ? null : blob
}

import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/node/codec/bytes'
import { accountKey, tokenBalanceKey, treeKey } from '../../../src/node/state/keys'
import { MemoryNodeStore } from '../../../src/node/state/node-store'
import { decodeWord, State, verifyAccountProof, verifyStateProof } from '../../../src/node/state/state'
import { EMPTY_ROOT } from '../../../src/node/state/trie'

const A: Address = '0x1111111111111111111111111111111111111111'
const B: Address = '0x2222222222222222222222222222222222222222'
const T: Address = '0x3333333333333333333333333333333333333333'

describe('StateBuffer', () => {
  it('reads its own writes, reverts to checkpoints, and commits once', () => {
    const buf = State.empty().buffer()
    buf.setAccount(A, { nonce: 1n, balance: 100n })
    const cp = buf.checkpoint()
    buf.credit(A, 50n)
    buf.setWord(tokenBalanceKey(T, B), 7n)
    const inner = buf.checkpoint()
    buf.debit(A, 10n)
    buf.revertTo(inner)
    expect(buf.getAccount(A)).toEqual({ nonce: 1n, balance: 150n })
    buf.revertTo(cp)
    expect(buf.getAccount(A)).toEqual({ nonce: 1n, balance: 100n })
    expect(buf.getWord(tokenBalanceKey(T, B))).toBe(0n)
    const { state, created } = buf.commit()
    // One account leaf: the reverted word never reaches the tree.
    expect(created).toHaveLength(1)
    expect(state.getAccount(A)).toEqual({ nonce: 1n, balance: 100n })
    expect(() => buf.debit(B, 1n)).toThrow(RangeError)
  })

  it('stores zero accounts and zero words as absence (one root per content)', () => {
    const s1 = State.empty().buffer()
    s1.setAccount(A, { nonce: 0n, balance: 5n })
    s1.setWord(tokenBalanceKey(T, A), 9n)
    const one = s1.commit().state
    const s2 = one.buffer()
    s2.debit(A, 5n)
    s2.setWord(tokenBalanceKey(T, A), 0n)
    expect(s2.commit().state.root).toBe(EMPTY_ROOT)
  })

  it('a commit without changes returns the same snapshot', () => {
    const base = State.empty()
    const buf = base.buffer()
    buf.getAccount(A)
    buf.setAccount(B, { nonce: 0n, balance: 0n })
    expect(buf.commit().state).toBe(base)
  })

  it('refuses to read one key as two kinds', () => {
    const buf = State.empty().buffer()
    buf.getWord(accountKey(A))
    expect(() => buf.getAccount(A)).toThrow()
  })

  it('proves accounts and words present and absent', () => {
    const buf = State.empty().buffer()
    buf.setAccount(A, { nonce: 2n, balance: 3n })
    buf.setWord(tokenBalanceKey(T, A), 42n)
    const store = new MemoryNodeStore()
    const { state, created } = buf.commit()
    store.putAll(created)
    expect(verifyAccountProof(state.root, A, state.prove(accountKey(A)).nodes)).toEqual({
      nonce: 2n,
      balance: 3n,
    })
    expect(verifyAccountProof(state.root, B, state.prove(accountKey(B)).nodes)).toEqual({
      nonce: 0n,
      balance: 0n,
    })
    const key = tokenBalanceKey(T, A)
    expect(decodeWord(verifyStateProof(state.root, key, state.prove(key).nodes))).toBe(42n)
    expect(state.prove(key).key).toEqual(treeKey(key))
    expect(State.fromRoot(state.root, store).getWord(key)).toBe(42n)
  })

  it('a read missing a node names its key; with `unknown` set it tells the key and answers absent', () => {
    const buf = State.empty().buffer()
    buf.setAccount(A, { nonce: 2n, balance: 3n })
    buf.setWord(tokenBalanceKey(T, A), 42n)
    const { state, created } = buf.commit()
    // The root alone: every read needs a node the store lacks.
    const rootOnly = new MemoryNodeStore()
    rootOnly.putAll(created.filter((n) => toHex(n.hash) === state.root))
    const key = tokenBalanceKey(T, A)
    expect(() => State.fromRoot(state.root, rootOnly).getWord(key)).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'STATE_MISSING_NODE', key }) }),
    )
    const unknown: string[] = []
    const speculative = State.fromRoot(state.root, rootOnly, (k) => unknown.push(k))
    const read = speculative.buffer()
    expect(read.getAccount(A)).toEqual({ nonce: 0n, balance: 0n })
    expect(read.getWord(key)).toBe(0n)
    expect(speculative.getWord(key)).toBe(0n)
    expect(unknown).toEqual([accountKey(A), key, key])
    // Nodes that are there are read as usual, and tell nothing.
    const all = new MemoryNodeStore()
    all.putAll(created)
    expect(State.fromRoot(state.root, all, (k) => unknown.push(k)).getWord(key)).toBe(42n)
    expect(unknown).toHaveLength(3)
  })
})

import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { compareBytes, fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { StateError, type StateErrorType } from '../../../src/node/state/errors'
import { MemoryNodeStore } from '../../../src/node/state/node-store'
import {
  EMPTY_ROOT,
  nodeChildren,
  proveFrom,
  Trie,
  type TrieChange,
  verifyProof,
} from '../../../src/node/state/trie'

const key = (i: number): Uint8Array => keccak(new Uint8Array([i >> 8, i & 255, 7]))
const val = (i: number): Uint8Array => new Uint8Array([1, i & 255, i >> 8])

function build(entries: readonly [number, number][]): Trie {
  return Trie.empty().update(entries.map(([k, v]) => ({ key: key(k), value: val(v) }))).trie
}

/** The type (code and fields) of the `StateError` `fn` throws. */
function stateError(fn: () => unknown): StateErrorType {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(StateError)
    return (err as StateError).type
  }
  throw new Error('expected a StateError')
}

function expectBadProof(fn: () => unknown): void {
  expect(stateError(fn).code).toBe('STATE_BAD_PROOF')
}

describe('Trie', () => {
  it('has the zero root when empty and proves absence with an empty proof', () => {
    const t = Trie.empty()
    expect(t.root).toBe(EMPTY_ROOT)
    expect(t.get(key(1))).toBeUndefined()
    expect(t.prove(key(1))).toEqual([])
    expect(verifyProof(EMPTY_ROOT, key(1), [])).toBeNull()
  })

  it('matches a Map model and its root depends only on content', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 60 }),
            fc.option(fc.integer({ min: 0, max: 999 }), { nil: null }),
          ),
          {
            maxLength: 80,
          },
        ),
        fc.integer({ min: 1, max: 10 }),
        (ops, batch) => {
          const model = new Map<number, number>()
          let t = Trie.empty()
          for (let i = 0; i < ops.length; i += batch) {
            const chunk = ops.slice(i, i + batch)
            const changes: TrieChange[] = chunk.map(([k, v]) => ({
              key: key(k),
              value: v === null ? null : val(v),
            }))
            t = t.update(changes).trie
            for (const [k, v] of chunk) {
              if (v === null) model.delete(k)
              else model.set(k, v)
            }
          }
          for (let k = 0; k <= 60; k++) {
            const got = t.get(key(k))
            const want = model.get(k)
            expect(got === undefined ? undefined : toHex(got)).toBe(
              want === undefined ? undefined : toHex(val(want)),
            )
          }
          // Same content inserted in one fresh batch gives the same root.
          expect(build([...model.entries()]).root).toBe(t.root)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('keeps old snapshots readable (roll back = keep the old root)', () => {
    const a = build([
      [1, 1],
      [2, 2],
      [3, 3],
    ])
    const rootA = a.root
    const b = a.update([
      { key: key(2), value: null },
      { key: key(4), value: val(4) },
      { key: key(1), value: val(9) },
    ]).trie
    expect(b.root).not.toBe(rootA)
    expect(a.root).toBe(rootA)
    expect(a.get(key(2))).toEqual(val(2))
    expect(b.get(key(2))).toBeUndefined()
    expect(a.get(key(1))).toEqual(val(1))
  })

  it('writing unchanged values and deleting absent keys keeps the root and creates no nodes', () => {
    const a = build([
      [1, 1],
      [2, 2],
    ])
    const { trie, created } = a.update([
      { key: key(1), value: val(1) },
      { key: key(77), value: null },
    ])
    expect(trie.root).toBe(a.root)
    expect(created).toHaveLength(0)
  })

  it('rebuilds from a root and a node store', () => {
    const store = new MemoryNodeStore()
    const first = Trie.empty().update([1, 2, 3, 4, 5].map((i) => ({ key: key(i), value: val(i) })))
    store.putAll(first.created)
    const second = first.trie.update([
      { key: key(3), value: null },
      { key: key(6), value: val(6) },
    ])
    store.putAll(second.created)
    const loaded = Trie.fromRoot(second.trie.root, store)
    expect(loaded.get(key(6))).toEqual(val(6))
    expect(loaded.get(key(3))).toBeUndefined()
    expect(loaded.get(key(1))).toEqual(val(1))
    const updated = loaded.update([{ key: key(7), value: val(7) }]).trie
    expect(updated.root).toBe(second.trie.update([{ key: key(7), value: val(7) }]).trie.root)
    expect(Trie.fromRoot(first.trie.root, store).get(key(3))).toEqual(val(3))
    const missing = Trie.fromRoot(toHex(keccak(new Uint8Array(1))), store)
    expect(stateError(() => missing.get(key(1)))).toEqual({ code: 'STATE_MISSING_NODE', hash: missing.root })
    // The empty root is the empty tree, read from no store: it has no node to look up.
    const empty = Trie.fromRoot(EMPTY_ROOT, new MemoryNodeStore())
    expect(empty.get(key(1))).toBeUndefined()
    expect(empty.prove(key(1))).toEqual([])
    expect(empty.update([{ key: key(1), value: val(1) }]).trie.root).toBe(build([[1, 1]]).root)
  })

  it('refuses a key that is not 32 bytes and an empty value, whatever else the batch holds', () => {
    const t = build([[1, 1]])
    const short = { key: key(2).subarray(0, 31), value: val(2) }
    const long = { key: Uint8Array.of(...key(2), 0), value: val(2) }
    for (const bad of [short, long])
      expect(() => t.update([{ key: key(3), value: val(3) }, bad])).toThrow('state keys must be 32 bytes')
    expect(() => t.update([{ key: key(2), value: new Uint8Array(0) }])).toThrow(
      'state values must not be empty',
    )
  })

  it('a missing or mismatched stored node is a typed error that changes nothing', () => {
    const first = Trie.empty().update([1, 2, 3, 4, 5].map((i) => ({ key: key(i), value: val(i) })))
    const store = new MemoryNodeStore()
    store.putAll(first.created)
    // The node below the root on key 1's path.
    const child = toHex(keccak(fromHex(first.trie.prove(key(1))[1] as Hex)))
    let read = (hash: Hex) => (hash === child ? undefined : store.get(hash))
    const t = Trie.fromRoot(first.trie.root, { get: (hash) => read(hash) })
    const write = () => t.update([{ key: key(1), value: val(9) }])
    const missing = { code: 'STATE_MISSING_NODE', hash: child }
    expect(stateError(() => t.get(key(1)))).toEqual(missing)
    expect(stateError(write)).toEqual(missing)
    // Another node's bytes under the child's hash.
    read = (hash) => store.get(hash === child ? first.trie.root : hash)
    const mismatched = { code: 'STATE_CORRUPT', reason: `stored node ${child} does not match its hash` }
    expect(stateError(() => t.get(key(1)))).toEqual(mismatched)
    expect(stateError(write)).toEqual(mismatched)
    // Nothing was kept from the failures: with the store mended the tree reads and writes as before.
    read = (hash) => store.get(hash)
    expect(t.root).toBe(first.trie.root)
    expect(t.get(key(1))).toEqual(val(1))
    expect(write().trie.root).toBe(first.trie.update([{ key: key(1), value: val(9) }]).trie.root)
  })

  it('refuses a root that is not 32 bytes of hex and stored nodes that do not decode', () => {
    for (const root of ['0x', `0x${'00'.repeat(31)}`, `0x${'00'.repeat(33)}`] as const) {
      expect(stateError(() => Trie.fromRoot(root, new MemoryNodeStore()))).toEqual({
        code: 'STATE_CORRUPT',
        reason: 'root must be 32 bytes',
      })
    }
    for (const root of ['', '0x0g', `${'ab'.repeat(32)}`, `0x${'0'.repeat(63)}`] as const) {
      expect(stateError(() => Trie.fromRoot(root as Hex, new MemoryNodeStore()))).toEqual({
        code: 'STATE_CORRUPT',
        reason: 'root is not hex',
      })
    }
    const undecodable = { code: 'STATE_CORRUPT', reason: 'undecodable tree node' }
    // An unknown tag, a leaf without a value, a branch one byte short: each stored under its own hash.
    for (const junk of [Uint8Array.of(2, 0), new Uint8Array(33), Uint8Array.of(1, ...new Uint8Array(96))]) {
      const store = new MemoryNodeStore()
      store.putAll([{ hash: keccak(junk), encoded: junk }])
      expect(stateError(() => Trie.fromRoot(toHex(keccak(junk)), store).get(key(1)))).toEqual(undecodable)
      expect(stateError(() => nodeChildren(junk))).toEqual(undecodable)
    }
  })

  it("names a stored branch's two children, in order, and no child of a leaf", () => {
    const t = build([
      [1, 1],
      [2, 2],
    ])
    const [root, leaf] = t.prove(key(1)).map((n) => fromHex(n))
    const [other] = t
      .prove(key(2))
      .slice(1)
      .map((n) => fromHex(n))
    // The smaller key has the 0 at the one bit where two keys first differ: it is on the left.
    const left = compareBytes(key(1), key(2)) < 0 ? leaf : other
    const right = left === leaf ? other : leaf
    expect(nodeChildren(root as Uint8Array)).toEqual([
      keccak(left as Uint8Array),
      keccak(right as Uint8Array),
    ])
    expect(nodeChildren(leaf as Uint8Array)).toEqual([])
  })

  it('hashes O(log n) nodes per touched key', () => {
    const n = 4096
    const t = Trie.empty().update(Array.from({ length: n }, (_, i) => ({ key: key(i), value: val(i) }))).trie
    const { created } = t.update([{ key: key(5), value: val(6) }])
    // One leaf plus the branches above it: about log2(4096) = 12, with slack for imbalance.
    expect(created.length).toBeLessThanOrEqual(30)
    expect(created.length).toBeGreaterThan(5)
  })
})

describe('verifyProof', () => {
  const entries: [number, number][] = Array.from({ length: 40 }, (_, i) => [i, i + 100])
  const t = build(entries)

  it('verifies inclusion and exclusion proofs', () => {
    for (let i = 0; i < 60; i++) {
      const got = verifyProof(t.root, key(i), t.prove(key(i)))
      if (i < 40) expect(got).toEqual(val(i + 100))
      else expect(got).toBeNull()
    }
  })

  it('rejects a changed value', () => {
    const proof = [...t.prove(key(3))]
    const last = fromHex(proof[proof.length - 1] as Hex)
    last[last.length - 1] = (last[last.length - 1] as number) ^ 1
    proof[proof.length - 1] = toHex(last)
    expectBadProof(() => verifyProof(t.root, key(3), proof))
  })

  it('rejects a wrong root', () => {
    const other = build([[1, 1]])
    expectBadProof(() => verifyProof(other.root, key(3), t.prove(key(3))))
  })

  it('rejects a truncated path', () => {
    const proof = t.prove(key(3))
    expect(proof.length).toBeGreaterThan(1)
    expectBadProof(() => verifyProof(t.root, key(3), proof.slice(0, -1)))
    expectBadProof(() => verifyProof(t.root, key(3), []))
  })

  it('a proof for another key does not prove this one', () => {
    // Key 3's proof ends at key 3's leaf; checked against key 4 it either breaks or is not key 4's.
    expect(() => {
      const got = verifyProof(t.root, key(4), t.prove(key(3)))
      if (got !== null) throw new Error('proved a value for the wrong key')
    }).toThrow()
  })

  it('rejects extra nodes, garbage and a non-empty proof of the empty tree', () => {
    const proof = t.prove(key(3))
    expectBadProof(() => verifyProof(t.root, key(3), [...proof, proof[0] as Hex]))
    expectBadProof(() => verifyProof(t.root, key(3), ['0xzz']))
    expectBadProof(() => verifyProof(EMPTY_ROOT, key(3), proof))
  })

  it('names where a truncated path stops: at a branch on the key path', () => {
    const proof = t.prove(key(3))
    const reason = stateError(() => verifyProof(t.root, key(3), proof.slice(0, -1)))
    expect(reason).toEqual({ code: 'STATE_BAD_PROOF', reason: 'proof ends at a branch on the key path' })
  })

  it('rejects nodes after a proof of absence ends, where the key leaves a branch', () => {
    const absent = Array.from({ length: 200 }, (_, i) => key(40 + i)).find((k) => {
      const last = fromHex(t.prove(k).at(-1) as Hex)
      return last[0] === 1
    })
    if (absent === undefined) throw new Error('no absent key whose proof ends at a branch')
    const proof = t.prove(absent)
    expect(verifyProof(t.root, absent, proof)).toBeNull()
    expectBadProof(() => verifyProof(t.root, absent, [...proof, proof[0] as Hex]))
  })

  it('rejects a root or key not 32 bytes long, even with a proof that verifies for the full key', () => {
    const proof = t.prove(key(3))
    expectBadProof(() => verifyProof(t.root, key(3).subarray(0, 31), proof))
    expectBadProof(() => verifyProof(t.root, new Uint8Array([...key(3), 0]), proof))
    expectBadProof(() => verifyProof(toHex(fromHex(t.root).subarray(0, 31)), key(3), proof))
  })

  describe('forged trees (every node hashes to the one above it, so only the shape can refuse them)', () => {
    const k = key(3)
    const leaf = new Uint8Array([0, ...k, 9])
    /** A branch at `bit` whose prefix is `prefix` and whose two children are both `child`. */
    const branch = (bit: number, prefix: Uint8Array, child: Uint8Array, pad = 0): Uint8Array =>
      new Uint8Array([
        1,
        bit,
        ...prefix,
        ...keccak(child),
        ...keccak(child),
        ...new Uint8Array(pad),
      ]).subarray(0, 98 + pad)
    const prove = (nodes: readonly Uint8Array[]) =>
      verifyProof(
        toHex(keccak(nodes[0] as Uint8Array)),
        k,
        nodes.map((n) => toHex(n)),
      )

    it('a well-shaped forged path proves its leaf (the checks below refuse the shape, not the root)', () => {
      const lower = branch(9, k, leaf)
      expect(prove([branch(5, k, lower), lower, leaf])).toEqual(new Uint8Array([9]))
    })

    it('refuses a leaf without a value, which no tree stores', () => {
      const bare = new Uint8Array([0, ...k])
      expect(stateError(() => prove([branch(5, k, bare), bare]))).toEqual({
        code: 'STATE_BAD_PROOF',
        reason: 'node 1 is not a tree node',
      })
    })

    it('refuses two branches at the same bit on one path', () => {
      const lower = branch(5, k, leaf)
      expect(stateError(() => prove([branch(5, k, lower), lower, leaf]))).toEqual({
        code: 'STATE_BAD_PROOF',
        reason: 'branch bits must increase along the path',
      })
    })

    it('refuses a branch one byte short or long, even where the key leaves it', () => {
      const other = k.map((b) => b ^ 0xff)
      for (const bad of [branch(200, other, leaf).subarray(0, 97), branch(200, other, leaf, 1)]) {
        expect(stateError(() => prove([bad]))).toEqual({
          code: 'STATE_BAD_PROOF',
          reason: 'node 0 is not a tree node',
        })
      }
    })
  })

  it('every single-byte tamper of every node fails', () => {
    const proof = t.prove(key(7))
    for (let n = 0; n < proof.length; n++) {
      const bytes = fromHex(proof[n] as Hex)
      for (let b = 0; b < bytes.length; b++) {
        const copy = bytes.slice()
        copy[b] = (copy[b] as number) ^ 0x10
        const tampered = [...proof]
        tampered[n] = toHex(copy)
        expectBadProof(() => verifyProof(t.root, key(7), tampered))
      }
    }
  })
})

describe('proveFrom (an asynchronous node store: another profile’s database)', () => {
  const created = Trie.empty().update(
    Array.from({ length: 40 }, (_, i) => ({ key: key(i), value: val(i + 100) })),
  )
  const nodes = new Map(created.created.map((n) => [toHex(n.hash), n.encoded]))
  const get = async (hash: Hex) => nodes.get(hash)

  it('makes the proofs Trie.prove makes, of present and absent keys', async () => {
    for (let i = 0; i < 60; i++) {
      expect(await proveFrom(created.trie.root, key(i), get)).toEqual(created.trie.prove(key(i)))
    }
    expect(await proveFrom(EMPTY_ROOT, key(1), get)).toEqual([])
  })

  it('gives nothing when a node on the path is missing, and stops on a node that loops', async () => {
    const path = created.trie.prove(key(3))
    const missing = keccak(fromHex(path[2] as Hex))
    expect(
      await proveFrom(created.trie.root, key(3), async (h) => (h === toHex(missing) ? undefined : get(h))),
    ).toBe(undefined)
    // A damaged store whose branch points back at itself: the walk ends; the proof then fails to verify.
    const root = fromHex(path[0] as Hex)
    const loop = Uint8Array.from(root)
    loop.set(keccak(root), 34)
    loop.set(keccak(root), 66)
    const looping = async (h: Hex) => (h === created.trie.root ? root : loop)
    const proof = await proveFrom(created.trie.root, key(3), looping)
    expect(proof?.length).toBeLessThanOrEqual(3)
    expectBadProof(() => verifyProof(created.trie.root, key(3), proof ?? []))
  })
})

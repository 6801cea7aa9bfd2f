import fc from 'fast-check'
import { toHex } from '../src/node/codec/bytes'
import type { NodeError } from '../src/node/rpc/errors'

/**
 * Shared fuzzing of wire decoders (docs/RELIABILITY.md, "Bad input" 1): runs of each property are the
 * FUZZ_RUNS environment variable (long mode: `FUZZ_RUNS=1000000 npm run test:unit -- --testTimeout=0`),
 * else (unset or empty) 10000.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS || 10_000)

/** A decoder of bytes from a peer, and what may come out of it. */
export interface FuzzedDecoder<T> {
  readonly decode: (bytes: Uint8Array) => T
  /** The module's typed error: anything else thrown (TypeError, RangeError, a plain Error) fails. */
  readonly error: abstract new (
    ...args: never[]
  ) => NodeError
  /** The codes the decoder documents. */
  readonly codes: readonly string[]
  /** Valid encodings to mutate. */
  readonly valid: readonly Uint8Array[]
  /**
   * Only where the module promises one encoding per value: its encoder, which must give back exactly
   * the bytes accepted (undefined for a value the module documents as decoded lossily).
   */
  readonly encode?: (value: T) => Uint8Array | undefined
  /** Longest arbitrary input (default 600 bytes). */
  readonly maxLength?: number
}

/** One of `valid`: cut at a random point, with 1 to 32 random bytes appended, or with one byte flipped. */
export function mutationOf(valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const pick = fc.nat(valid.length - 1).map((i) => valid[i] as Uint8Array)
  return fc.oneof(
    fc.tuple(pick, fc.nat()).map(([v, cut]) => v.slice(0, cut % v.length)),
    fc.tuple(pick, fc.uint8Array({ minLength: 1, maxLength: 32, size: 'max' })).map(([v, tail]) => {
      const m = new Uint8Array(v.length + tail.length)
      m.set(v)
      m.set(tail, v.length)
      return m
    }),
    fc.tuple(pick, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([v, at, x]) => {
      const m = v.slice()
      m[at % m.length] = (m[at % m.length] as number) ^ x
      return m
    }),
  )
}

/**
 * Asserts, for arbitrary bytes and for mutations of valid encodings (`FUZZ_RUNS` each), that `d.decode`
 * returns a value (re-encoding to the same bytes where promised) or throws `d.error` with one of
 * `d.codes`, and leaves its input as it was. fast-check prints the shrunk counterexample on failure.
 */
export function fuzzDecoder<T>(d: FuzzedDecoder<T>): void {
  // Plain comparisons, not `expect`: this runs FUZZ_RUNS times per decoder.
  const check = (bytes: Uint8Array): void => {
    const before = bytes.slice()
    const outcome = attempt(d, bytes)
    if (!equal(bytes, before)) throw new Error('the decoder changed its input')
    if ('code' in outcome) {
      if (!d.codes.includes(outcome.code))
        throw new Error(`${outcome.code} is not one of the documented ${d.codes.join(', ')}`)
      return
    }
    const again = d.encode?.(outcome.value)
    if (again !== undefined && !equal(again, bytes))
      throw new Error(`accepted a second encoding: it re-encodes to ${toHex(again)}`)
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: d.maxLength ?? 600, size: 'max' }), check), {
    numRuns: FUZZ_RUNS,
  })
  fc.assert(fc.property(mutationOf(d.valid), check), { numRuns: FUZZ_RUNS })
}

/** The decoded value, or the code of the module's typed error; anything else thrown goes on up. */
function attempt<T>(d: FuzzedDecoder<T>, bytes: Uint8Array): { value: T } | { code: string } {
  try {
    return { value: d.decode(bytes) }
  } catch (err) {
    if (err instanceof d.error) return { code: err.type.code }
    throw err
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

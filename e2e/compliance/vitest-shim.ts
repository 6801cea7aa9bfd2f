import { expect as chaiExpect } from 'chai'

/**
 * The part of Vitest's API the storage compliance suite uses (`describe`, `test`, `expect`), on chai,
 * so the same suite runs in a Chromium worker against real IndexedDB (e2e/storage.spec.ts bundles it
 * with `vitest` aliased here).
 */

export interface CollectedTest {
  readonly name: string
  readonly run: () => Promise<void>
}

const collected: CollectedTest[] = []
const prefix: string[] = []

export function describe(name: string, body: () => void): void {
  prefix.push(name)
  try {
    body()
  } finally {
    prefix.pop()
  }
}

export function test(name: string, run: () => Promise<void> | void): void {
  collected.push({ name: [...prefix, name].join(' › '), run: async () => run() })
}

/** Every test registered so far, in order. */
export function collectedTests(): readonly CollectedTest[] {
  return collected
}

function isSubset(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== 'object' || expected === null) return Object.is(actual, expected)
  if (typeof actual !== 'object' || actual === null) return false
  return Object.entries(expected).every(([key, value]) => isSubset(Reflect.get(actual, key), value))
}

function matchers(actual: unknown, message?: string) {
  const c = chaiExpect(actual, message)
  return {
    toBe: (expected: unknown) => c.to.equal(expected),
    toEqual: (expected: unknown) => c.to.deep.equal(expected),
    not: {
      toBe: (expected: unknown) => c.to.not.equal(expected),
      toEqual: (expected: unknown) => c.to.not.deep.equal(expected),
    },
    toBeUndefined: () => c.to.equal(undefined),
    toBeInstanceOf: (type: abstract new (...args: never[]) => unknown) => c.to.be.instanceOf(type),
    toContain: (part: unknown) => c.to.include(part),
    toHaveLength: (length: number) => c.to.have.lengthOf(length),
    toMatchObject: (expected: object) =>
      chaiExpect(
        isSubset(actual, expected),
        `${message ?? ''} expected to match ${String(expected)}`,
      ).to.equal(true),
  }
}

export const expect = Object.assign(matchers, {
  fail(message: string): never {
    throw new Error(message)
  },
})

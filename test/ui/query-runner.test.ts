import { describe, expect, test } from 'vitest'
import { createQueryRunner, type QueryResult } from '../../src/ui/query-runner'

/** A query whose answer comes when the test says: `answer(v)` or `fail(err)`. */
function deferred<T>() {
  let answer: (value: T) => void = () => {}
  let fail: (err: unknown) => void = () => {}
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve
    fail = reject
  })
  return { promise, answer, fail }
}

/** Lets the runner's promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

describe("a screen's node query, run again at each head", () => {
  test('heads that come faster than the node answers do not keep the screen on its first answer', async () => {
    // The Explorer's pending list on the fast chain under load: a block every few ms, each query answered
    // after the next head. Before, each head dropped the query on its way: the list showed none of the
    // answers and kept a mined transaction for over a minute.
    const shown: QueryResult<string>[] = []
    const runner = createQueryRunner<string>((r) => shown.push(r))
    const asked: ReturnType<typeof deferred<string>>[] = []
    const query = () => {
      const d = deferred<string>()
      asked.push(d)
      return d.promise
    }
    runner.run(query)
    for (let head = 1; head <= 5; head++) {
      // The next head comes, then the answer to the query on its way (asked at the head before).
      runner.run(query)
      asked[head - 1]?.answer(`pending at head ${head - 1}`)
      await settle()
      expect(shown.at(-1)).toEqual({ value: `pending at head ${head - 1}` })
    }
    // One query at a time: each head's was asked once the one before had answered.
    expect(asked).toHaveLength(6)
    asked.at(-1)?.answer('none pending')
    await settle()
    expect(shown).toHaveLength(6)
    expect(shown.at(-1)).toEqual({ value: 'none pending' })
  })

  test('heads while a query is on its way ask the node once more, with the newest query, not once each', async () => {
    const shown: QueryResult<string>[] = []
    const runner = createQueryRunner<string>((r) => shown.push(r))
    const first = deferred<string>()
    const names: string[] = []
    runner.run(() => {
      names.push('first')
      return first.promise
    })
    for (const name of ['second', 'third', 'fourth']) {
      runner.run(async () => {
        names.push(name)
        return name
      })
    }
    expect(names).toEqual(['first'])
    first.answer('first')
    await settle()
    expect(names).toEqual(['first', 'fourth'])
    expect(shown).toEqual([{ value: 'first' }, { value: 'fourth' }])
  })

  test('a failed query shows its reason, and the next one runs all the same', async () => {
    const shown: QueryResult<string>[] = []
    const runner = createQueryRunner<string>((r) => shown.push(r))
    const failing = deferred<string>()
    runner.run(() => failing.promise)
    runner.run(() => {
      throw new Error('the node is not reachable')
    })
    failing.fail(new Error('no peer served the block'))
    await settle()
    expect(shown).toEqual([{ error: 'no peer served the block' }, { error: 'the node is not reachable' }])
    runner.run(async () => 'block #7')
    await settle()
    expect(shown.at(-1)).toEqual({ value: 'block #7' })
  })

  test('closed (the screen left, or asks about something else now): the answer on its way is dropped and nothing more runs', async () => {
    const shown: QueryResult<string>[] = []
    const runner = createQueryRunner<string>((r) => shown.push(r))
    const onItsWay = deferred<string>()
    let queuedRan = false
    runner.run(() => onItsWay.promise)
    runner.run(async () => {
      queuedRan = true
      return 'queued'
    })
    runner.close()
    onItsWay.answer('about the old address')
    runner.run(async () => 'after close')
    await settle()
    expect(shown).toEqual([])
    expect(queuedRan).toBe(false)
  })
})

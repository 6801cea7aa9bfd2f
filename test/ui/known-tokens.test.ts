import { type Address, encodeEventTopics, getAddress, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { LogQuery } from '../../src/node/chain/log-selection'
import { TOKEN_FACTORY_ADDRESS } from '../../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import { TOKEN_CREATED_TOPIC } from '../../src/node/contracts/token-factory/token-factory'
import type { LogRecord } from '../../src/node/storage/types'
import type { TokenInfo } from '../../src/node/worker/queries'
import { createTokenList, followTokenList } from '../../src/ui/known-tokens'

const GLD = getAddress(`0x${'11'.repeat(20)}`)
const SLV = getAddress(`0x${'22'.repeat(20)}`)
const token = (address: Address, symbol: string): TokenInfo => ({
  address,
  name: symbol,
  symbol,
  decimals: 2,
  totalSupply: 1n,
  owner: GLD,
})

/** A node whose chain created tokens in the blocks of `created` (block number → token). */
function fakeNode(created: Map<bigint, TokenInfo>) {
  const calls = { tokens: 0, logs: [] as LogQuery[] }
  let failLogs = false
  const api = {
    async tokens() {
      calls.tokens++
      return [...created.values()]
    },
    async logs(query: LogQuery): Promise<LogRecord[]> {
      calls.logs.push(query)
      if (failLogs) throw new Error('no peer served the block')
      const from = query.fromBlock ?? 0n
      const to = query.toBlock ?? 0n
      return [...created.entries()]
        .filter(([n]) => n >= from && n <= to)
        .map(
          ([n, t]) =>
            ({
              address: TOKEN_FACTORY_ADDRESS,
              topics: [TOKEN_CREATED_TOPIC, t.address as Hex],
              blockNumber: n,
            }) as unknown as LogRecord,
        )
    },
  }
  return { api, calls, failLogs: (on: boolean) => (failLogs = on) }
}

describe("the explorer's token list", () => {
  test('read once; a head whose blocks create no token does not read it again, one that creates a token does', async () => {
    const created = new Map([[3n, token(GLD, 'GLD')]])
    const { api, calls } = fakeNode(created)
    const list = createTokenList(api)
    const first = await list.at(5n)
    expect(first).toEqual([token(GLD, 'GLD')])
    expect(calls.tokens).toBe(1)
    // Heads #6 and #7 carry no creation: the list stands (the same array), only the new blocks' logs
    // are asked for.
    expect(await list.at(6n)).toBe(first)
    expect(await list.at(7n)).toBe(first)
    expect(calls.tokens).toBe(1)
    expect(calls.logs).toEqual([
      { fromBlock: 6n, toBlock: 6n, address: TOKEN_FACTORY_ADDRESS, topics: [TOKEN_CREATED_TOPIC] },
      { fromBlock: 7n, toBlock: 7n, address: TOKEN_FACTORY_ADDRESS, topics: [TOKEN_CREATED_TOPIC] },
    ])
    // The same head again (a mode switch's re-render): nothing asked.
    expect(await list.at(7n)).toBe(first)
    expect(calls.logs).toHaveLength(2)
    // A token created in #9, the head jumping from #7 to #10: the blocks between are asked for too.
    created.set(9n, token(SLV, 'SLV'))
    expect(await list.at(10n)).toEqual([token(GLD, 'GLD'), token(SLV, 'SLV')])
    expect(calls.logs.at(-1)).toMatchObject({ fromBlock: 8n, toBlock: 10n })
    expect(calls.tokens).toBe(2)
  })

  test('the topic asked for is the TokenFactory’s TokenCreated log', () => {
    expect(encodeEventTopics({ abi: tokenFactoryAbi, eventName: 'TokenCreated' })[0]).toBe(
      TOKEN_CREATED_TOPIC,
    )
  })

  test('read again when it cannot tell: logs unreadable, a jump past one query, a head going back, invalidate, a failed read', async () => {
    const { api, calls, failLogs } = fakeNode(new Map([[1n, token(GLD, 'GLD')]]))
    const list = createTokenList(api)
    let last = await list.at(5n)
    /** Whether `at(head)` read the list again (a new array) rather than answer the one held. */
    const readAgain = async (head: bigint) => {
      const before = last
      last = await list.at(head)
      return last !== before
    }
    failLogs(true)
    expect(await readAgain(6n)).toBe(true)
    failLogs(false)
    expect(calls.tokens).toBe(2)
    // More than one query's range (10,000 blocks) at once: no logs asked, the list read.
    const asked = calls.logs.length
    expect(await readAgain(20_000n)).toBe(true)
    expect(calls.logs).toHaveLength(asked)
    // A head lower than the last read (a reorganisation to a shorter, heavier branch).
    expect(await readAgain(19_999n)).toBe(true)
    list.invalidate()
    expect(await readAgain(19_999n)).toBe(true)
    expect(calls.tokens).toBe(5)
    // A read that fails throws, and the next head reads again whatever its blocks hold.
    const failing = createTokenList({
      tokens: async () => {
        throw new Error('no peer')
      },
      logs: api.logs,
    })
    await expect(failing.at(5n)).rejects.toThrow('no peer')
    await expect(failing.at(6n)).rejects.toThrow('no peer')
  })

  test('a token the list lacks reads it again, once per token', async () => {
    const { api, calls } = fakeNode(new Map([[1n, token(GLD, 'GLD')]]))
    const list = createTokenList(api)
    const first = await list.at(5n)
    expect(list.lacks(GLD)).toBe(false)
    expect(list.lacks(SLV)).toBe(true)
    const again = await list.at(5n)
    expect(again).not.toBe(first)
    expect(calls.tokens).toBe(2)
    // Still not listed (a token the node's list leaves out): not asked for at every head.
    expect(list.lacks(SLV)).toBe(false)
    expect(await list.at(5n)).toBe(again)
    expect(calls.tokens).toBe(2)
  })

  test('a token shown before the first read ended is asked for once that read ends, if it lacks it', async () => {
    const created = new Map([[1n, token(GLD, 'GLD')]])
    const { api, calls } = fakeNode(created)
    const list = createTokenList(api)
    // A page opened as the Explorer did: the first read runs, the page shows GLD and SLV meanwhile.
    const reading = list.at(5n)
    expect(list.lacks(GLD)).toBe(true)
    expect(list.lacks(SLV)).toBe(true)
    // SLV was created in blocks the first read's answer did not hold yet (the node was syncing them).
    const first = await reading
    expect(first).toEqual([token(GLD, 'GLD')])
    created.set(2n, token(SLV, 'SLV'))
    // The read the page asked for (same head) reads again: the first lacked SLV.
    expect(await list.at(5n)).toEqual([token(GLD, 'GLD'), token(SLV, 'SLV')])
    expect(calls.tokens).toBe(2)
    // Once per token: neither is asked for again.
    expect(list.lacks(GLD)).toBe(false)
    expect(list.lacks(SLV)).toBe(false)
  })

  test('a token shown before the first read ended, that the first read lists, asks for no second read', async () => {
    const { api, calls } = fakeNode(new Map([[1n, token(GLD, 'GLD')]]))
    const list = createTokenList(api)
    const reading = list.at(5n)
    expect(list.lacks(GLD)).toBe(true)
    const first = await reading
    expect(await list.at(5n)).toBe(first)
    expect(calls.tokens).toBe(1)
  })

  test('heads coming while a read runs are answered in order, each after the one before', async () => {
    const { api, calls } = fakeNode(new Map([[1n, token(GLD, 'GLD')]]))
    const list = createTokenList(api)
    const answers = await Promise.all([list.at(5n), list.at(6n), list.at(7n)])
    // The first read's list, answered again to the heads after it (a caller that dropped the first
    // answer, its head having moved on, gets the list with the next).
    expect(answers[0]).toEqual([token(GLD, 'GLD')])
    expect(answers[1]).toBe(answers[0])
    expect(answers[2]).toBe(answers[0])
    expect(calls.tokens).toBe(1)
    expect(calls.logs.map((q) => q.fromBlock)).toEqual([6n, 7n])
  })
})

describe("the explorer's token list followed as heads come", () => {
  /** A list whose answers wait until `answer` lets the oldest one waiting end. */
  function slowList(tokens: readonly TokenInfo[]) {
    const asked: bigint[] = []
    const waiting: (() => void)[] = []
    const list = {
      at(head: bigint): Promise<readonly TokenInfo[]> {
        asked.push(head)
        return new Promise((resolve) => waiting.push(() => resolve(tokens)))
      },
    }
    const answer = async () => {
      waiting.shift()?.()
      // The answer's callbacks, and the next read they start.
      for (let i = 0; i < 5; i++) await Promise.resolve()
    }
    return { list, asked, answer }
  }

  test('each answer is shown though a new head came while it was read: on a fast chain every one did', async () => {
    const gold = [token(GLD, 'GLD')]
    const { list, answer } = slowList(gold)
    const shown: (readonly TokenInfo[])[] = []
    const follower = followTokenList(list, (t) => shown.push(t))
    follower.head(5n)
    follower.head(6n)
    await answer()
    expect(shown).toEqual([gold])
    // A head each time before the answer: the list is shown all the same.
    follower.head(7n)
    await answer()
    follower.head(8n)
    await answer()
    expect(shown).toHaveLength(3)
    expect(shown.every((t) => t === gold)).toBe(true)
  })

  test('a failed read is said (a screen waiting for the first read stops waiting), the list kept; nothing said after close', async () => {
    let fail = true
    const list = {
      async at(): Promise<readonly TokenInfo[]> {
        if (fail) throw new Error('no peer')
        return [token(GLD, 'GLD')]
      },
    }
    const shown: (readonly TokenInfo[])[] = []
    let failed = 0
    const follower = followTokenList(
      list,
      (t) => shown.push(t),
      () => failed++,
    )
    const settled = () => new Promise((r) => setTimeout(r))
    follower.head(5n)
    await settled()
    expect([shown, failed]).toEqual([[], 1])
    fail = false
    follower.head(6n)
    await settled()
    expect([shown, failed]).toEqual([[[token(GLD, 'GLD')]], 1])
    fail = true
    follower.head(7n)
    follower.close()
    await settled()
    expect(failed).toBe(1)
  })

  test('one read at a time: heads that came meanwhile are read as one, the newest; nothing shown after close', async () => {
    const { list, asked, answer } = slowList([token(GLD, 'GLD')])
    const shown: (readonly TokenInfo[])[] = []
    const follower = followTokenList(list, (t) => shown.push(t))
    follower.head(5n)
    follower.head(6n)
    follower.head(7n)
    follower.head(8n)
    expect(asked).toEqual([5n])
    await answer()
    expect(asked).toEqual([5n, 8n])
    follower.close()
    await answer()
    expect(shown).toHaveLength(1)
  })
})

import { describe, expect, test } from 'vitest'
import { exchangeOnLinks, type Link, requestOrder } from '../../../src/node/network/links'

interface FakeLink extends Link {
  readonly id: string
}

const inbound = (id: string): FakeLink => ({ id, direction: 'inbound' })
const outbound = (id: string): FakeLink => ({ id, direction: 'outbound' })

/** An exchange that fails on the links named in `dead` and answers with the link's id elsewhere. */
function exchangeLog(dead: readonly string[]) {
  const used: string[] = []
  const exchange = async (l: FakeLink): Promise<string> => {
    used.push(l.id)
    if (dead.includes(l.id)) throw new Error(`stream closed on ${l.id}`)
    return `answer via ${l.id}`
  }
  return { used, exchange }
}

const never = () => undefined

/** One exchange over a fixed list of links, with no dial running and a minute's deadline by default. */
const run = (
  links: readonly FakeLink[],
  exchange: (l: FakeLink) => Promise<string>,
  dialing: () => Promise<unknown> | undefined = never,
  signal: AbortSignal = AbortSignal.timeout(60_000),
) => exchangeOnLinks(() => links, exchange, dialing, signal)

describe('request links', () => {
  test('requests go on links we dialed first, in their order, then on the ones the peer dialed', () => {
    const order = requestOrder([inbound('i1'), outbound('o1'), inbound('i2'), outbound('o2')])
    expect(order.map((l) => l.id)).toEqual(['o1', 'o2', 'i1', 'i2'])
  })

  test('an exchange whose link fails is sent once more on the other link', async () => {
    const { used, exchange } = exchangeLog(['o1'])
    const links = [outbound('o1'), inbound('i1')]
    await expect(run(links, exchange)).resolves.toBe('answer via i1')
    expect(used).toEqual(['o1', 'i1'])
  })

  test('with no other link yet, it waits for our dial to the peer and uses the link it brought', async () => {
    const { used, exchange } = exchangeLog(['i1'])
    const links: FakeLink[] = [inbound('i1')]
    const dial = new Promise<void>((resolve) =>
      setTimeout(() => {
        links.unshift(outbound('o1'))
        resolve()
      }, 20),
    )
    await expect(run(links, exchange, () => dial)).resolves.toBe('answer via o1')
    expect(used).toEqual(['i1', 'o1'])
  })

  test('a failed dial is waited for too; with no other link the first failure is what the caller gets', async () => {
    const { used, exchange } = exchangeLog(['i1'])
    const dial = Promise.reject(new Error('dial timed out'))
    const links = [inbound('i1')]
    await expect(run(links, exchange, () => dial)).rejects.toThrow('stream closed on i1')
    expect(used).toEqual(['i1'])
  })

  test('it tries at most twice: two dead links give the second failure, a third link is not tried', async () => {
    const { used, exchange } = exchangeLog(['o1', 'i1'])
    const links = [outbound('o1'), inbound('i1'), inbound('i2')]
    await expect(run(links, exchange)).rejects.toThrow('stream closed on i1')
    expect(used).toEqual(['o1', 'i1'])
  })

  test('once the deadline passed, nothing is sent again, and a dial is not waited out', async () => {
    const controller = new AbortController()
    const used: string[] = []
    const exchange = async (l: FakeLink): Promise<string> => {
      used.push(l.id)
      controller.abort(new Error('deadline'))
      throw new Error('aborted mid-exchange')
    }
    const links = [outbound('o1'), inbound('i1')]
    await expect(run(links, exchange, never, controller.signal)).rejects.toThrow('deadline')
    expect(used).toEqual(['o1'])

    const late = new AbortController()
    setTimeout(() => late.abort(new Error('deadline during the dial')), 20)
    const forever = new Promise<void>(() => {})
    await expect(
      run([inbound('i1')], exchangeLog(['i1']).exchange, () => forever, late.signal),
    ).rejects.toThrow('deadline during the dial')
  })

  test('a deadline that passed during the exchange fails it at once: our running dial is not even asked about', async () => {
    const controller = new AbortController()
    const exchange = async (): Promise<string> => {
      controller.abort(new Error('deadline'))
      throw new Error('aborted mid-exchange')
    }
    let asked = false
    const dialing = () => {
      asked = true
      return new Promise<void>((resolve) => setTimeout(resolve, 10))
    }
    await expect(run([inbound('i1'), outbound('o1')], exchange, dialing, controller.signal)).rejects.toThrow(
      'deadline',
    )
    expect(asked).toBe(false)
  })

  test('no link: a clear error, nothing sent', async () => {
    const { used, exchange } = exchangeLog([])
    await expect(run([], exchange)).rejects.toThrow('no link to the peer')
    expect(used).toEqual([])
  })
})

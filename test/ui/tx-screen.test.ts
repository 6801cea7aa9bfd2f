import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import type { NetworkSink } from '../../src/node/network/bridge'
import { memoryHub } from '../../src/node/network/memory'
import { syncProtocols } from '../../src/node/sync/sync-server'
import { TxStatusBadge } from '../../src/ui/components/TxStatusBadge'
import { readTransaction } from '../../src/ui/screens/TxScreen'
import { transfer } from '../node/chain/chain-fixtures'
import { ALICE, BOB, GENESIS, must, nodeStarter, tokenChain } from '../node/light/fixtures'
import { until } from '../until'

const INCLUSION = syncProtocols(GENESIS.params.chainId).inclusion
const join = nodeStarter()

describe('the transaction screen', () => {
  test("a light tab's own submission no peer proves a receipt for shows as pending, not verified with why — not an error", async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    // The full node proves no inclusion while `refuse` is set.
    let refuse = false
    const refusing = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (refuse && protocol === INCLUSION) throw new Error('refused')
        return sink.request(protocol, data, from)
      },
    })
    const full = await join(hub, 'F', { store, wrap: refusing })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const raw = await transfer(0, { nonce: Number(await light.api.pendingNonce(ALICE)), to: BOB, value: 5n })
    const hash = await light.api.sendRawTransaction(raw)
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === hash))

    refuse = true
    const shown = must(await readTransaction(light.api, hash))
    expect(shown.tx).toMatchObject({ hash, state: 'pending', blockNumber: null })
    expect(shown.receipt).toBeNull()
    expect(shown.status).toEqual({
      state: 'pending',
      hash,
      unverified: expect.stringContaining(`no peer proved transaction ${hash}`),
    })
    const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status: shown.status }))
    expect(badge).toContain('data-verified="false"')
    expect(badge).toContain(
      `Pending — not in a block yet · not verified at the current head: no peer proved transaction ${hash}`,
    )

    // A peer proves it again: pending, verified (no peer knows it mined).
    refuse = false
    expect((await readTransaction(light.api, hash))?.status).toEqual({ state: 'pending', hash })
  })
})

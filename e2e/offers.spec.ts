import { expect, type Page, test } from '@playwright/test'
import { encodeFunctionData, type Hex, sha256 } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { devnetParams } from '../src/node/chain/genesis'
import { TOKEN_FACTORY_ADDRESS } from '../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../src/node/contracts/token-factory/token-factory'
import { chainProtocol } from '../src/node/network/protocol'
import { decodeTakeAnswer, encodeTake } from '../src/trade/offers/codec'
import {
  cancelTypedData,
  offerId,
  offerTypedData,
  randomSalt,
  takeTypedData,
} from '../src/trade/offers/typed-data'
import type { Offer, SignedOffer, SignedTake } from '../src/trade/offers/types'
import { openNode, waitDirect, waitInPage } from './helpers'

// The public Hardhat/Anvil test mnemonic: the devnet funds its first accounts (devnet only).
const MNEMONIC = 'test test test test test test test test test test test junk'
const ALICE = mnemonicToAccount(MNEMONIC, { addressIndex: 0 })
const BOB = mnemonicToAccount(MNEMONIC, { addressIndex: 1 })
const CAROL = mnemonicToAccount(MNEMONIC, { addressIndex: 2 })
const CHAIN = devnetParams.chainId
const alice = ALICE.address.toLowerCase() as Hex
const GOLD = tokenAddress(alice as `0x${string}`, 0n)
const NATIVE = '0x0000000000000000000000000000000000000000'
const HASHLOCK = sha256('0x5ec2e7')

/** Whether `page`'s node lists the offer `id` in any book. */
const listed = (page: Page, id: Hex, timeout = 30_000) =>
  waitInPage(
    page,
    async (want: string) =>
      (await window.tabchain?.node.api.offers())?.some((b) =>
        [...b.asks, ...b.bids].some((e) => e.id === want),
      ),
    id,
    { timeout },
  )

async function signedOffer(makerPeer: string): Promise<SignedOffer> {
  const offer: Offer = {
    maker: alice as `0x${string}`,
    makerPeer,
    sellToken: GOLD,
    sellAmount: 100n,
    buyToken: NATIVE,
    buyAmount: 10n ** 18n,
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
    makerTimelock: 40,
    takerTimelock: 12,
    salt: randomSalt(),
  }
  return { chainId: CHAIN, offer, signature: await ALICE.signTypedData(offerTypedData(CHAIN, offer)) }
}

async function signedTake(who: typeof BOB, id: Hex, takerPeer: string): Promise<SignedTake> {
  const take = { offerId: id, taker: who.address.toLowerCase() as `0x${string}`, takerPeer }
  return { take, signature: await who.signTypedData(takeTypedData(CHAIN, take)) }
}

test('offers between two browsers: A posts, B sees it and takes it, a late take is refused, a late tab gets the book, a cancel reaches both', async ({
  browser,
}) => {
  // Two contexts mining and verifying on a shared 2-core machine: blocks can take a while.
  test.setTimeout(300_000)
  const [ctxA, ctxB, ctxC] = [
    await browser.newContext(),
    await browser.newContext(),
    await browser.newContext(),
  ]
  try {
    const [a, b] = [await ctxA.newPage(), await ctxB.newPage()]
    const idA = await openNode(a, '/')
    const idB = await openNode(b, '/?mine=0')
    await waitDirect(a, idB, 30_000)
    await waitDirect(b, idA, 30_000)

    // Alice creates 1,000 Gold through A (which mines); B follows the chain.
    const raw = await ALICE.signTransaction({
      chainId: CHAIN,
      type: 'eip1559',
      nonce: 0,
      to: TOKEN_FACTORY_ADDRESS,
      data: encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Gold', 'GLD', 0, 1000n],
      }),
      gas: 300_000n,
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 10n ** 9n,
    })
    await a.evaluate((r) => window.tabchain?.node.api.sendRawTransaction(r as `0x${string}`), raw)
    await waitInPage(
      b,
      async ([token, holder]: [string, string]) =>
        (await window.tabchain?.node.api.tokenBalance(token as `0x${string}`, holder as `0x${string}`)) ===
        1000n,
      [GOLD, alice] as [string, string],
      { timeout: 180_000, interval: 250 },
    )

    // A posts an offer signed by Alice's key (the wallet signs on the page in the app); B's book lists it.
    const first = await signedOffer(idA)
    const firstId = offerId(CHAIN, first.offer)
    const posted = await a.evaluate(([s, h]) => window.tabchain?.node.api.postOffer(s, h as `0x${string}`), [
      first,
      HASHLOCK,
    ] as const)
    expect(posted?.id).toBe(firstId)
    await listed(b, firstId)

    // B takes it over the take protocol: both agree the terms.
    const take = await signedTake(BOB, firstId, idB)
    const terms = await b.evaluate((t) => window.tabchain?.node.api.takeOffer(t), take)
    expect(terms).toMatchObject({
      offerId: firstId,
      maker: alice,
      taker: BOB.address.toLowerCase(),
      tokenA: GOLD,
      amountA: 100n,
      tokenB: NATIVE,
      amountB: 10n ** 18n,
      hashlock: HASHLOCK,
    })

    // A later take reaching A over a real stream gets a typed refusal in the answer, not a broken stream.
    const late = encodeTake(await signedTake(CAROL, firstId, idB))
    const answer = await b.evaluate(
      ([peer, protocol, bytes]) =>
        window.tabchain?.network.api
          .request(peer as string, protocol as string, new Uint8Array(bytes as number[]))
          .then((r) => [...r]),
      [idA, chainProtocol(CHAIN, 'take'), [...late]] as const,
    )
    expect(decodeTakeAnswer(Uint8Array.from(answer ?? []), firstId)).toEqual({
      accepted: false,
      refusal: { code: 'OFFER_TAKEN', offerId: firstId },
    })

    // A second offer; a third tab opened after it was posted gets it in the snapshot it asks its peers
    // for; then the maker cancels it and it leaves both books.
    const second = await signedOffer(idA)
    const secondId = offerId(CHAIN, second.offer)
    await a.evaluate(([s, h]) => window.tabchain?.node.api.postOffer(s, h as `0x${string}`), [
      second,
      HASHLOCK,
    ] as const)
    await listed(b, secondId)
    const c = await ctxC.newPage()
    const idC = await openNode(c, '/?mine=0')
    expect(idC).not.toBe(idA)
    await waitDirect(c, idA, 30_000)
    await listed(c, secondId)
    const cancel = {
      offerId: secondId,
      signature: await ALICE.signTypedData(cancelTypedData(CHAIN, secondId)),
    }
    await a.evaluate((x) => window.tabchain?.node.api.cancelOffer(x), cancel)
    for (const page of [b, c])
      await waitInPage(
        page,
        async (want: string) =>
          !(await window.tabchain?.node.api.offers())?.some((bk) =>
            [...bk.asks, ...bk.bids].some((e) => e.id === want),
          ),
        secondId,
      )
  } finally {
    await ctxA.close()
    await ctxB.close()
    await ctxC.close()
  }
})

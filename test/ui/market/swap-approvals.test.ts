import {
  type Address,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  maxUint256,
  type TransactionSerializableEIP1559,
} from 'viem'
import { describe, expect, test } from 'vitest'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { KEPT_ASIDE_CHARS, LocalRecordError } from '../../../src/node/profile/local-record'
import type { HeadInfo } from '../../../src/node/worker/chain-service'
import type { NodeEvents } from '../../../src/node/worker/node'
import type { FeeInfo } from '../../../src/node/worker/queries'
import type { SwapSignAnswer, SwapSignRequest } from '../../../src/node/worker/swap-service'
import { MAX_TIMELOCK_BLOCKS } from '../../../src/trade/offers/timelock'
import { replacementFees } from '../../../src/trade/swap/fees'
import { hashlockOf } from '../../../src/trade/swap/secret'
import type { SwapTerms } from '../../../src/trade/swap/terms'
import {
  approvalOfTerms,
  checkSwapRequest,
  memorySwapApprovals,
  type SwapApproval,
  storedSwapApprovals,
  unusedApprovals,
} from '../../../src/ui/market/swap-approvals'
import { answerSwapRequest, startSwapSigning } from '../../../src/ui/market/swap-signing'
import { memoryWalletStore } from '../../../src/wallet/store'
import { createWallet } from '../../../src/wallet/wallet'
import { memoryStorage, refusingStorage } from '../memory-storage'

const CHAIN = 31337
const SWAP: Hex = `0x${'5a'.repeat(32)}`
const MAKER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const TAKER: Address = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'
const APPLE: Address = '0x00000000000000000000000000000000000a0001'
const BANANA: Address = '0x00000000000000000000000000000000000b0002'
const HASHLOCK: Hex = `0x${'77'.repeat(32)}`
/** The chain's fees as the page reads them; `tx` offers what the swap engine signs at these. */
const FEES = { nextBaseFee: 4_500_000_000n, suggestedTip: 1_000_000_000n }

const maker: SwapApproval = {
  swapId: SWAP,
  role: 'maker',
  account: MAKER,
  give: { token: APPLE, amount: 10n },
  get: { token: BANANA, amount: 25n },
  hashlock: HASHLOCK,
  counterparty: TAKER,
  lockBlocks: 31n,
}
/** The head as the page reads it when the engine asks: the lock below (refund height 40) runs 31 blocks from it. */
const HEAD = 8n
const terms: SwapTerms = {
  chainId: CHAIN,
  offerId: SWAP,
  maker: MAKER,
  taker: TAKER,
  tokenA: APPLE,
  amountA: 10n,
  tokenB: BANANA,
  amountB: 25n,
  makerTimelockBlocks: 31n,
  takerTimelockBlocks: 12n,
  hashlock: HASHLOCK,
  acceptedHeight: 5n,
}

/** A transaction request for a step the engine priced at `priced` (the chain's fees it read). */
const tx = (over: Partial<TransactionSerializableEIP1559>, priced: FeeInfo = FEES): SwapSignRequest => ({
  id: 1,
  kind: 'transaction',
  swapId: SWAP,
  account: MAKER,
  priced,
  tx: {
    type: 'eip1559',
    chainId: CHAIN,
    nonce: 3,
    to: HTLC_ADDRESS,
    value: 0n,
    gas: 150_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
    data: encodeFunctionData({
      abi: htlcAbi,
      functionName: 'lock',
      args: [APPLE, 10n, TAKER, HASHLOCK, 40n],
    }),
    ...over,
  },
})
const lock = (args: readonly [Address, bigint, Address, Hex, bigint]) =>
  encodeFunctionData({ abi: htlcAbi, functionName: 'lock', args: [...args] })
const secretRequest = (over: Partial<SwapTerms> = {}): SwapSignRequest => ({
  id: 2,
  kind: 'secret',
  swapId: SWAP,
  account: MAKER,
  terms: { ...terms, ...over },
})

describe('checkSwapRequest: what an approved trade lets the wallet sign unasked', () => {
  test('the approved lock, the ERC20 approval of our amount, redeems and refunds pass', () => {
    expect(checkSwapRequest(maker, tx({}), CHAIN, FEES, HEAD)).toBeNull()
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, 10n] })
    expect(
      checkSwapRequest(maker, tx({ to: APPLE, data: approve, gas: 80_000n }), CHAIN, FEES, HEAD),
    ).toBeNull()
    const redeem = encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [SWAP, HASHLOCK] })
    expect(checkSwapRequest(maker, tx({ data: redeem }), CHAIN, FEES, HEAD)).toBeNull()
    const refund = encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [SWAP] })
    expect(checkSwapRequest(maker, tx({ data: refund }), CHAIN, FEES, HEAD)).toBeNull()
    const native = { ...maker, give: { token: ZERO_ADDRESS, amount: 7n } }
    expect(
      checkSwapRequest(
        native,
        tx({ value: 7n, data: lock([ZERO_ADDRESS, 7n, TAKER, HASHLOCK, 40n]) }),
        CHAIN,
        FEES,
        HEAD,
      ),
    ).toBeNull()
    expect(checkSwapRequest(maker, secretRequest(), CHAIN, FEES, HEAD)).toBeNull()
  })

  test('everything else is refused with a reason', () => {
    const native = { ...maker, give: { token: ZERO_ADDRESS, amount: 7n } }
    const approve = (spender: Address, amount: bigint) =>
      encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] })
    const redeem = encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [SWAP, HASHLOCK] })
    const refund = encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [SWAP] })
    /** The lock request without its field `key` (a request the engine left it out of). */
    const without = (key: 'maxFeePerGas' | 'maxPriorityFeePerGas' | 'to'): SwapSignRequest => {
      const request = tx({})
      if (request.kind !== 'transaction') throw new Error('a transaction request expected')
      const { [key]: _gone, ...rest } = request.tx
      return { ...request, tx: rest }
    }
    const refused: [SwapApproval | undefined, SwapSignRequest, string][] = [
      [undefined, tx({}), 'this tab did not approve this swap'],
      [maker, { ...tx({}), account: TAKER }, 'not the account that approved this swap'],
      [maker, tx({ chainId: 1 }), 'a transaction for another chain'],
      [maker, tx({ gas: 1_000_000n }), 'more gas than a swap step needs'],
      // A lock's gas is the most any step needs: one more is refused.
      [maker, tx({ gas: 150_001n }), 'more gas than a swap step needs'],
      [maker, without('maxFeePerGas'), 'a transaction without fees'],
      [maker, without('maxPriorityFeePerGas'), 'a transaction without fees'],
      [maker, without('to'), 'a transaction without a recipient'],
      [maker, tx({ maxPriorityFeePerGas: 10n ** 10n + 1n }), 'a tip above the fee cap'],
      [
        maker,
        tx({ maxPriorityFeePerGas: 2n * FEES.suggestedTip + 1n }),
        'higher fees than a swap step offers',
      ],
      [
        maker,
        tx({ maxFeePerGas: 4n * FEES.nextBaseFee + 2n * FEES.suggestedTip + 1n }),
        'higher fees than a swap step offers',
      ],
      [maker, tx({ data: lock([APPLE, 11n, TAKER, HASHLOCK, 40n]) }), 'a lock of another token or amount'],
      [maker, tx({ data: lock([APPLE, 9n, TAKER, HASHLOCK, 40n]) }), 'a lock of another token or amount'],
      [maker, tx({ data: lock([BANANA, 10n, TAKER, HASHLOCK, 40n]) }), 'a lock of another token or amount'],
      [maker, tx({ data: lock([APPLE, 10n, MAKER, HASHLOCK, 40n]) }), 'a lock for another recipient'],
      [maker, tx({ data: lock([APPLE, 10n, TAKER, SWAP, 40n]) }), 'a lock under another hashlock'],
      [maker, tx({ value: 1n }), 'a lock carrying the wrong coin value'],
      [{ ...maker, counterparty: null }, tx({}), 'a lock for another recipient'],
      [{ ...maker, hashlock: null }, tx({}), 'a lock under another hashlock'],
      [
        native,
        tx({ value: 6n, data: lock([ZERO_ADDRESS, 7n, TAKER, HASHLOCK, 40n]) }),
        'a lock carrying the wrong coin value',
      ],
      [maker, tx({ value: 1n, data: redeem }), 'a redeem or refund must carry no coin'],
      [maker, tx({ value: 1n, data: refund }), 'a redeem or refund must carry no coin'],
      // A swap of the coin approves no token: not even a token call to the zero address.
      [
        native,
        tx({ to: ZERO_ADDRESS, data: approve(HTLC_ADDRESS, 7n) }),
        'a transaction to an address the swap does not use',
      ],
      [maker, tx({ data: '0xdeadbeef' }), 'not an HTLC call'],
      [maker, tx({ to: TAKER }), 'a transaction to an address the swap does not use'],
      [maker, tx({ to: BANANA, data: '0x' }), 'a transaction to an address the swap does not use'],
      [
        maker,
        tx({
          to: APPLE,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [TAKER, 10n] }),
        }),
        'the token call transfer is not a swap step',
      ],
      [
        maker,
        tx({
          to: APPLE,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [TAKER, 10n] }),
        }),
        'an approval of another spender or amount',
      ],
      [
        maker,
        tx({ to: APPLE, data: approve(HTLC_ADDRESS, 11n) }),
        'an approval of another spender or amount',
      ],
      [
        maker,
        tx({ to: APPLE, data: approve(HTLC_ADDRESS, maxUint256) }),
        'an approval of another spender or amount',
      ],
      [maker, tx({ to: APPLE, data: approve(HTLC_ADDRESS, 9n) }), 'an approval of another spender or amount'],
      [
        maker,
        tx({ to: APPLE, value: 1n, data: approve(HTLC_ADDRESS, 10n) }),
        'a token approval must carry no coin',
      ],
      [maker, tx({ to: APPLE, data: '0xdeadbeef' }), 'not a token call'],
      [maker, secretRequest({ amountA: 9n }), 'the terms differ from the approved offer'],
      [maker, secretRequest({ taker: MAKER }), 'the terms differ from the approved offer'],
      [maker, secretRequest({ hashlock: SWAP }), 'the terms differ from the approved offer'],
      // Every term is compared: another offer, maker, either token, or less for the maker.
      [maker, secretRequest({ offerId: HASHLOCK }), 'the terms differ from the approved offer'],
      [maker, secretRequest({ maker: TAKER }), 'the terms differ from the approved offer'],
      [maker, secretRequest({ tokenA: BANANA }), 'the terms differ from the approved offer'],
      [maker, secretRequest({ tokenB: APPLE }), 'the terms differ from the approved offer'],
      [maker, secretRequest({ amountB: 24n }), 'the terms differ from the approved offer'],
      [{ ...maker, role: 'taker' }, secretRequest(), 'only the maker holds the secret'],
    ]
    for (const [approval, request, reason] of refused)
      expect(checkSwapRequest(approval, request, CHAIN, FEES, HEAD)).toBe(reason)
  })
})

describe('checkSwapRequest: how long a lock runs', () => {
  const at = (height: bigint) => tx({ data: lock([APPLE, 10n, TAKER, HASHLOCK, height]) })
  const LONGER = 'a lock that runs longer than the approved timelock'

  test('a lock refundable later than the approved timelock above the head (8 blocks of slack for a reorg onto a shorter chain) is refused', () => {
    // Approved: 31 blocks; built at head 8 + 1: refundable at 40.
    expect(checkSwapRequest(maker, at(40n + 8n), CHAIN, FEES, HEAD)).toBeNull()
    expect(checkSwapRequest(maker, at(40n + 9n), CHAIN, FEES, HEAD)).toBe(LONGER)
    // A lock a buggy or hostile engine would leave locked for ages.
    expect(checkSwapRequest(maker, at(10n ** 12n), CHAIN, FEES, HEAD)).toBe(LONGER)
    // Built at a later head, it runs the same 31 blocks.
    expect(checkSwapRequest(maker, at(140n), CHAIN, FEES, HEAD + 100n)).toBeNull()
    // The taker's approval bounds its lock by the taker's timelock.
    const taker = approvalOfTerms(terms, 'taker')
    const theirs = (height: bigint): SwapSignRequest => ({
      ...tx({ data: lock([BANANA, 25n, MAKER, HASHLOCK, height]) }),
      account: TAKER,
    })
    expect(taker.lockBlocks).toBe(12n)
    expect(checkSwapRequest(taker, theirs(HEAD + 1n + 12n + 8n), CHAIN, FEES, HEAD)).toBeNull()
    expect(checkSwapRequest(taker, theirs(HEAD + 1n + 12n + 9n), CHAIN, FEES, HEAD)).toBe(LONGER)
  })

  test('an approval saved before the lock timelock was kept reads as one without it, and bounds the lock by the longest timelock an offer may state', () => {
    const storage = memoryStorage()
    storage.setItem(
      'tabchain.swapApprovals.p1',
      JSON.stringify({
        [SWAP]: { ...maker, give: [APPLE, '10'], get: [BANANA, '25'], lockBlocks: undefined },
      }),
    )
    const old = storedSwapApprovals(storage, 'p1').get(SWAP)
    expect(old).toEqual({ ...maker, lockBlocks: null })
    const longest = HEAD + 1n + BigInt(MAX_TIMELOCK_BLOCKS) + 8n
    expect(checkSwapRequest(old, at(longest), CHAIN, FEES, HEAD)).toBeNull()
    expect(checkSwapRequest(old, at(longest + 1n), CHAIN, FEES, HEAD)).toBe(LONGER)
  })
})

describe('checkSwapRequest: fees', () => {
  const redeem = encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [SWAP, HASHLOCK] })
  /** A redeem as the swap engine signs it when it reads `nextBaseFee`. */
  const signedAt = (nextBaseFee: bigint) =>
    tx({
      data: redeem,
      maxPriorityFeePerGas: FEES.suggestedTip,
      maxFeePerGas: 2n * nextBaseFee + FEES.suggestedTip,
    })

  test('a step the engine signed passes after the base fee rose however far, or fell by half', () => {
    for (const now of [FEES.nextBaseFee / 2n, FEES.nextBaseFee, FEES.nextBaseFee * 1_000n])
      expect(
        checkSwapRequest(maker, signedAt(FEES.nextBaseFee), CHAIN, { ...FEES, nextBaseFee: now }, HEAD),
      ).toBeNull()
  })

  test('a stuck step signed again passes: with its fees bumped after the base fee passed its cap, and bumped again while the tip has room', () => {
    let fees = { ...FEES, nextBaseFee: 2n * FEES.nextBaseFee + FEES.suggestedTip + 1n }
    let old = {
      maxFeePerGas: 2n * FEES.nextBaseFee + FEES.suggestedTip,
      maxPriorityFeePerGas: FEES.suggestedTip,
    }
    for (let i = 0; i < 7; i++) {
      const next = replacementFees(old, fees)
      if (next === null) throw new Error(`replacement ${i} refused`)
      expect(checkSwapRequest(maker, tx({ data: redeem, ...next }), CHAIN, fees, HEAD)).toBeNull()
      old = next
      fees = { ...fees, nextBaseFee: next.maxFeePerGas }
    }
    // The eighth would tip more than twice the suggested tip: the engine does not ask for it.
    expect(replacementFees(old, fees)).toBeNull()
  })

  test('a step priced while a full pool raised the suggested tip passes after a slot freed and the suggestion fell back; twice that tip still bounds it', () => {
    // The engine read a tip of 5 gwei (a full pool's floor), the page reads 1 gwei a moment later.
    const full = { ...FEES, suggestedTip: 5n * FEES.suggestedTip }
    const at = (tip: bigint) =>
      tx({ data: redeem, maxPriorityFeePerGas: tip, maxFeePerGas: 2n * full.nextBaseFee + tip }, full)
    expect(checkSwapRequest(maker, at(full.suggestedTip), CHAIN, FEES, HEAD)).toBeNull()
    expect(checkSwapRequest(maker, at(2n * full.suggestedTip), CHAIN, FEES, HEAD)).toBeNull()
    expect(checkSwapRequest(maker, at(2n * full.suggestedTip + 1n), CHAIN, FEES, HEAD)).toBe(
      'higher fees than a swap step offers',
    )
  })

  test('a step whose fees would cost ~1,000,000 TAB is refused: the gas cap alone bounds nothing', () => {
    // 150,000 gas at 6.7e18 wei, nearly all of it a tip to the block's miner.
    const ruinous = tx({
      data: redeem,
      maxFeePerGas: 67n * 10n ** 17n,
      maxPriorityFeePerGas: 67n * 10n ** 17n,
    })
    expect(checkSwapRequest(maker, ruinous, CHAIN, FEES, HEAD)).toBe('higher fees than a swap step offers')
  })
})

describe('approvals storage', () => {
  test('stored approvals survive a new reader of the same storage (a reload), per profile, bigints intact', () => {
    const data = new Map<string, string>()
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
    } as Storage
    storedSwapApprovals(storage, 'p1').put({ ...maker, give: { token: APPLE, amount: 2n ** 200n } })
    expect(storedSwapApprovals(storage, 'p1').get(SWAP.toUpperCase().replace('0X', '0x') as Hex)).toEqual({
      ...maker,
      give: { token: APPLE, amount: 2n ** 200n },
    })
    expect(storedSwapApprovals(storage, 'p2').get(SWAP)).toBeUndefined()
    storedSwapApprovals(storage, 'p1').remove(SWAP)
    expect(storedSwapApprovals(storage, 'p1').get(SWAP)).toBeUndefined()
    // Removed by its id in any case, as it is read.
    storedSwapApprovals(storage, 'p1').put(maker)
    storedSwapApprovals(storage, 'p1').remove(SWAP.toUpperCase().replace('0X', '0x') as Hex)
    expect(storedSwapApprovals(storage, 'p1').get(SWAP)).toBeUndefined()
  })

  test.each([
    ['stored', () => storedSwapApprovals(memoryStorage(), 'p1')],
    ['in memory', memorySwapApprovals],
  ])(
    '%s: ids lists the approved swaps lower case; remove drops several in one call, and none when given none',
    (_what, make) => {
      const approvals = make()
      const third: Hex = `0x${'7c'.repeat(32)}`
      for (const swapId of [SWAP, `0x${'6B'.repeat(32)}` as Hex, third]) approvals.put({ ...maker, swapId })
      expect(approvals.ids().sort()).toEqual([SWAP, `0x${'6b'.repeat(32)}`, third].sort())
      approvals.remove()
      expect(approvals.ids()).toHaveLength(3)
      approvals.remove(SWAP, `0x${'6b'.repeat(32)}`)
      expect(approvals.ids()).toEqual([third])
      expect(approvals.get(third)).toEqual({ ...maker, swapId: third })
    },
  )

  const KEY = 'tabchain.swapApprovals.p1'
  const ASIDE = `${KEY}.damaged`
  const OTHER: Hex = `0x${'6b'.repeat(32)}`
  const saved = JSON.stringify({
    [SWAP]: { ...maker, give: [APPLE, '10'], get: [BANANA, '25'], lockBlocks: '31' },
  })

  test.each([
    ['no JSON (a write cut short)', saved.slice(0, 40)],
    ['a list', '[1,2,3]'],
    ['a number', '5'],
    ['null', 'null'],
    ['huge', `"${'x'.repeat(300_000)}`],
  ])(
    'a saved text that is %s reads as no approval, and is kept aside (bounded) before the next write',
    (_what, text) => {
      const storage = memoryStorage()
      storage.setItem(KEY, text)
      const approvals = storedSwapApprovals(storage, 'p1')
      expect(approvals.get(SWAP)).toBeUndefined()
      // Reading changes nothing.
      expect(storage.getItem(KEY)).toBe(text)
      approvals.put({ ...maker, swapId: OTHER })
      expect(approvals.get(OTHER)).toEqual({ ...maker, swapId: OTHER })
      const aside = JSON.parse(storage.getItem(ASIDE) ?? 'null') as string[]
      expect(aside).toHaveLength(1)
      expect(text.startsWith(aside[0] ?? '-')).toBe(true)
      expect(storage.getItem(ASIDE)?.length).toBeLessThanOrEqual(KEPT_ASIDE_CHARS)
      // Kept aside once: a later write does not append it again.
      approvals.remove(OTHER)
      expect(JSON.parse(storage.getItem(ASIDE) ?? 'null')).toEqual(aside)
    },
  )

  test('a damaged approval among intact ones reads as none (never a wrong one), the others as saved; it is kept aside, not lost', () => {
    const storage = memoryStorage()
    const stored = { ...maker, give: [APPLE, '10'], get: [BANANA, '25'], lockBlocks: '31' }
    const damaged = {
      [OTHER]: { ...stored, swapId: OTHER, give: [APPLE, '1e30'] },
      [`0x${'7c'.repeat(32)}`]: { ...stored, swapId: `0x${'7c'.repeat(32)}`, role: 'thief' },
      // Filed under another swap's id.
      [`0x${'8d'.repeat(32)}`]: stored,
      [`0x${'9e'.repeat(32)}`]: [1, 2],
      [`0x${'0f'.repeat(32)}`]: { ...stored, swapId: `0x${'0f'.repeat(32)}`, hashlock: 7 },
      [`0x${'1a'.repeat(32)}`]: { ...stored, swapId: `0x${'1a'.repeat(32)}`, account: 'me' },
      [`0x${'2b'.repeat(32)}`]: { ...stored, swapId: `0x${'2b'.repeat(32)}`, get: [BANANA, '-25'] },
      [`0x${'3c'.repeat(32)}`]: { ...stored, swapId: `0x${'3c'.repeat(32)}`, counterparty: 5 },
      [`0x${'4d'.repeat(32)}`]: { ...stored, swapId: `0x${'4d'.repeat(32)}`, give: ['APPLE', '10'] },
      [`0x${'5e'.repeat(32)}`]: { ...stored, swapId: `0x${'5e'.repeat(32)}`, lockBlocks: '1e12' },
    }
    storage.setItem(KEY, JSON.stringify({ ...JSON.parse(saved), ...damaged }))
    const approvals = storedSwapApprovals(storage, 'p1')
    expect(approvals.get(SWAP)).toEqual({ ...maker })
    for (const id of Object.keys(damaged)) expect(approvals.get(id as Hex)).toBeUndefined()
    approvals.put({ ...maker, swapId: `0x${'af'.repeat(32)}` })
    expect(Object.keys(JSON.parse(storage.getItem(KEY) ?? '{}'))).toEqual([SWAP, `0x${'af'.repeat(32)}`])
    expect((JSON.parse(storage.getItem(ASIDE) ?? '[]') as string[]).map((e) => JSON.parse(e))).toEqual(
      Object.entries(damaged).map(([id, value]) => ({ [id]: value })),
    )
  })

  test('storage that refuses the write (full, turned off): put and remove throw LOCAL_RECORD_NOT_SAVED, what was saved is as it was', () => {
    const storage = memoryStorage()
    storedSwapApprovals(storage, 'p1').put(maker)
    const before = storage.getItem(KEY)
    const full = refusingStorage(storage)
    const approvals = storedSwapApprovals(full, 'p1')
    for (const write of [() => approvals.put({ ...maker, swapId: OTHER }), () => approvals.remove(SWAP)]) {
      const err = (() => {
        try {
          write()
        } catch (e) {
          return e
        }
      })()
      expect(err).toBeInstanceOf(LocalRecordError)
      expect((err as LocalRecordError).type).toEqual({
        code: 'LOCAL_RECORD_NOT_SAVED',
        key: KEY,
        reason: 'QuotaExceededError: the quota has been exceeded',
      })
    }
    expect(storage.getItem(KEY)).toBe(before)
    expect(approvals.get(SWAP)).toEqual(maker)
  })

  test('damaged approvals that cannot be kept aside (storage full) are not written over', () => {
    const storage = memoryStorage()
    storage.setItem(KEY, 'not json')
    const approvals = storedSwapApprovals(refusingStorage(storage), 'p1')
    expect(() => approvals.put(maker)).toThrow(LocalRecordError)
    expect(storage.getItem(KEY)).toBe('not json')
  })
})

describe('the page answering the node', () => {
  const HARDHAT = 'test test test test test test test test test test test junk'

  test('declares unlocked accounts only, answers approved requests, refuses the rest; lock → no signers', async () => {
    const wallet = createWallet({ store: memoryWalletStore() })
    await wallet.load()
    await wallet.create(HARDHAT, 'correct horse battery')
    const me = (wallet.view().selected ?? '0x').toLowerCase() as Address
    const secret = wallet.swapSecret(CHAIN, SWAP)
    const approvals = memorySwapApprovals()
    approvals.put({ ...maker, account: me, hashlock: hashlockOf(secret) })
    const declared: (readonly Address[])[] = []
    const answers: [number, SwapSignAnswer][] = []
    let emit: ((r: NodeEvents['swapSignRequest']) => void) | undefined
    const stop = startSwapSigning({
      api: {
        fees: async () => FEES,
        head: async () => ({ number: HEAD }) as HeadInfo,
        swapSigners: async (a) => void declared.push(a),
        swapAnswer: async (id, a) => void answers.push([id, a]),
      },
      on: ((event: string, listener: (r: NodeEvents['swapSignRequest']) => void) => {
        expect(event).toBe('swapSignRequest')
        emit = listener
        return () => {
          emit = undefined
        }
      }) as never,
      wallet,
      approvals,
      chainId: CHAIN,
    })
    expect(declared).toEqual([[me]])
    const until = async (n: number) => {
      while (answers.length < n) await new Promise((r) => setTimeout(r, 5))
    }
    const mine = { ...secretRequest({ maker: me, hashlock: hashlockOf(secret) }), account: me }
    emit?.({ ...mine, id: 7 })
    await until(1)
    expect(answers[0]).toEqual([7, { secret }])
    emit?.({ ...tx({}), account: me, id: 8 })
    await until(2)
    expect(answers[1]?.[0]).toBe(8)
    expect(answers[1]?.[1]).toEqual({ refused: 'a lock under another hashlock' })
    emit?.({ ...tx({}), swapId: `0x${'00'.repeat(32)}`, account: me, id: 9 })
    await until(3)
    expect(answers[2]).toEqual([9, { refused: 'this tab did not approve this swap' }])
    const api = {
      swapSigners: async () => {},
      swapAnswer: async () => {},
      fees: async () => FEES,
      head: async () => ({ number: HEAD }) as HeadInfo,
    }
    const answer = (request: SwapSignRequest) =>
      answerSwapRequest({ api, wallet, approvals, chainId: CHAIN }, request)
    // A hashlock written in upper case is still this wallet's.
    const upper = `0x${hashlockOf(secret).slice(2).toUpperCase()}` as Hex
    expect(await answer({ ...secretRequest({ maker: me, hashlock: upper }), account: me })).toEqual({
      secret,
    })
    // An approved swap whose hashlock is not this wallet's secret for it gets no secret.
    const theirs: Hex = `0x${'3e'.repeat(32)}`
    approvals.put({ ...maker, swapId: theirs, account: me })
    expect(
      await answer({ ...secretRequest({ offerId: theirs, maker: me }), swapId: theirs, account: me }),
    ).toEqual({ refused: "the swap's hashlock is not this wallet's secret" })
    wallet.lock()
    expect(declared.at(-1)).toEqual([])
    expect(await answer(mine)).toEqual({ refused: 'the wallet is locked' })
    stop()
    expect(emit).toBeUndefined()
  })
})

describe('unusedApprovals', () => {
  const id = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
  const swap = (n: number, kind: string) => ({ swapId: id(n), action: { kind } })

  test('keeps the approvals of listed offers, agreements not started and swaps not done; names the rest', () => {
    const approved = [1, 2, 3, 4, 5, 6].map(id)
    const live = {
      offers: [id(1)],
      unstarted: [id(2)],
      swaps: [swap(3, 'wait'), swap(4, 'done'), swap(5, 'lock')],
    }
    // 4: its swap is done; 6: no offer, agreement or swap of it (an offer that expired while the tab was closed).
    expect(unusedApprovals(approved, live)).toEqual([id(4), id(6)])
  })

  test('ids match in any case, and an approval put after the ids were read is never named', () => {
    const upper = `0x${'AB'.repeat(32)}` as Hex
    expect(
      unusedApprovals([upper], { offers: [upper.toLowerCase() as Hex], unstarted: [], swaps: [] }),
    ).toEqual([])
    expect(unusedApprovals([], { offers: [], unstarted: [], swaps: [swap(1, 'done')] })).toEqual([])
  })
})

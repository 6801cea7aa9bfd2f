import {
  decodeFunctionData,
  encodeFunctionData,
  encodeFunctionResult,
  erc20Abi,
  getAddress,
  getTypesForEIP712Domain,
  type Hex,
  keccak256,
  maxUint256,
  parseEther,
  parseTransaction,
  stringToHex,
} from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { erc20Abi as nativeTokenAbi } from '../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../src/node/contracts/htlc/abi'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import { cancelTypedData, offerId, offerTypedData, takeTypedData } from '../../src/trade/offers/typed-data'
import { parseAddress } from '../../src/wallet/address'
import type { ProviderBackend } from '../../src/wallet/backend'
import type { ApprovalRequest } from '../../src/wallet/describe'
import {
  approvalTime,
  describeMessage,
  describeTransaction,
  describeTypedData,
  offerEnds,
  offerTerms,
  permitEnds,
  permitTerms,
} from '../../src/wallet/describe'
import { FAUCET_AMOUNT, FAUCET_SENDS, type FaucetState, requestFaucet } from '../../src/wallet/faucet'
import { createNodeBackend } from '../../src/wallet/node-backend'
import { friendsOffer } from './friends-offer'
import { permitTypedData } from './permit'
import { chainTwin, poolBackend } from './pool-backend'
import { soloNode } from './solo-node'

const ME = getAddress(DEVNET_ACCOUNTS[0] as string)
const TOKEN = getAddress('0x00000000000000000000000000000000000a99e1')
const FRIEND = getAddress(DEVNET_ACCOUNTS[3] as string)

let backend: ProviderBackend

/** The value of the approval's row `label`. */
/** The value of row `label`, among what the dialog shows first or, folded, the data as signed. */
const row = (r: Pick<ApprovalRequest, 'details' | 'signed'>, label: string) =>
  [...r.details, ...(r.signed ?? [])].find((d) => d.label === label)?.value
/** The labels of what the dialog shows first, then of the data as signed ("Message as signed"). */
const sections = (r: ApprovalRequest) => [r.details.map((d) => d.label), r.signed?.map((d) => d.label)]

/** A pool backend at which every contract called answers as the ERC-20 token `symbol` of `decimals`. */
const tokenBackend = (symbol: string, decimals: number): ProviderBackend => ({
  ...poolBackend(),
  call: async ({ data }: { data?: Hex }) => {
    const { functionName } = decodeFunctionData({ abi: erc20Abi, data: data ?? '0x' })
    const returnData =
      functionName === 'symbol'
        ? encodeFunctionResult({ abi: erc20Abi, functionName, result: symbol })
        : encodeFunctionResult({ abi: erc20Abi, functionName: 'decimals', result: decimals })
    return { status: 1 as const, returnData, gasUsed: 30_000n }
  },
})

beforeAll(async () => {
  backend = (await soloNode()).backend
})

describe('approval texts', () => {
  test('native transfer, with the fee bound', async () => {
    const r = await describeTransaction(backend, {
      from: ME,
      to: FRIEND,
      value: parseEther('12.5'),
      data: '0x',
      gas: 21_000n,
      maxFeePerGas: 2_000_000_000n,
    })
    expect(r.title).toBe('Send 12.5 TAB to 0x90…06')
    expect(r.details).toContainEqual({ label: 'Network fee', value: 'up to 0.000042 TAB' })
    // An account is named by its address alone.
    expect(row(r, 'To')).toBe(FRIEND)
  })

  test('a payment says plainly what leaves the account: the amount, the fee at most, and their total at most', async () => {
    const r = await describeTransaction(backend, {
      from: ME,
      to: FRIEND,
      value: parseEther('2.5'),
      data: '0x',
      gas: 21_000n,
      maxFeePerGas: 1_000_000_000n,
    })
    expect(r.details).toEqual([
      { label: 'From', value: ME },
      { label: 'To', value: FRIEND },
      { label: 'Amount', value: '2.5 TAB' },
      { label: 'Network fee', value: 'up to 0.000021 TAB' },
      { label: 'Total', value: 'up to 2.500021 TAB' },
    ])
    // Data to an account without code is a payment too (the chain ignores the data).
    const eoa = await describeTransaction(backend, {
      from: ME,
      to: FRIEND,
      value: parseEther('1000'),
      data: '0xdeadbeef',
      gas: 30_000n,
      maxFeePerGas: 1_000_000_000n,
    })
    expect(row(eoa, 'Amount')).toBe('1,000 TAB')
    expect(row(eoa, 'Total')).toBe('up to 1,000.00003 TAB')
  })

  test('a token transfer says its amount in the token’s units; the fee is in TAB, so no total adds them', async () => {
    const gold = tokenBackend('GLD', 2)
    const base = { from: ME, to: TOKEN, value: 0n, gas: 60_000n, maxFeePerGas: 1_000_000_000n }
    const transfer = await describeTransaction(gold, {
      ...base,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [FRIEND, 1_250n] }),
    })
    expect(transfer.details.slice(0, 2)).toEqual([
      { label: 'Recipient', value: FRIEND },
      { label: 'Amount', value: '12.5 GLD' },
    ])
    expect(row(transfer, 'Network fee')).toBe('up to 0.00006 TAB')
    expect(row(transfer, 'Total')).toBeUndefined()
    const owner = getAddress(DEVNET_ACCOUNTS[2] as string)
    const from = await describeTransaction(gold, {
      ...base,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transferFrom', args: [owner, FRIEND, 5n] }),
    })
    expect(row(from, 'Amount')).toBe('0.05 GLD')
  })

  test('amounts read as on every screen: thousands grouped, every base unit shown', async () => {
    const native = await describeTransaction(backend, {
      from: ME,
      to: FRIEND,
      value: parseEther('1000') + 1n,
      data: '0x',
      gas: 21_000n,
      maxFeePerGas: 2_000_000_000n,
    })
    expect(native.title).toBe('Send 1,000.000000000000000001 TAB to 0x90…06')
    const base = { from: ME, to: TOKEN, value: 0n, gas: 60_000n, maxFeePerGas: 1n }
    const unknown = encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [FRIEND, 1_250_000n],
    })
    expect((await describeTransaction(backend, { ...base, data: unknown })).title).toBe(
      'Transfer 1,250,000 base units of token 0x00…e1 to 0x90…06',
    )
    const apple = tokenBackend('APL', 2)
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [FRIEND, 1_000_05n] })
    expect((await describeTransaction(apple, { ...base, data: approve })).title).toBe(
      'Allow 0x90…06 to spend up to 1,000.05 APL of yours',
    )
  })

  test('an EIP-2612 permit reads as the approve it grants: spender, amount in the token’s units, until when; the data signed below', async () => {
    const apple = tokenBackend('APPLE', 2)
    const deadline = BigInt(new Date(2026, 11, 5, 14, 0).getTime() / 1000)
    const domain = { name: 'Apple', version: '1', chainId: 31_415, verifyingContract: TOKEN }
    // As a dApp sends it: JSON, numbers as strings, the domain's type declared.
    const permit = (message: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
      ...permitTypedData(domain, {
        owner: ME,
        spender: FRIEND,
        value: '12500',
        nonce: '3',
        deadline: String(deadline),
        ...message,
      }),
      ...more,
    })
    const typed = permit({})
    const terms = await permitTerms(apple, typed)
    expect(terms).toEqual({
      owner: ME,
      spender: FRIEND,
      amount: 'up to 125 APPLE',
      spend: 'up to 125 APPLE of yours',
      token: TOKEN,
      nonce: 3n,
      deadline,
    })
    const r = describeTypedData(ME, typed, undefined, null, terms)
    expect(r.title).toBe('Allow 0x90…06 to spend up to 125 APPLE of yours until 5 Dec 2026, 14:00')
    // What it allows comes first; the domain and the message as signed are a click away.
    expect(sections(r)).toEqual([
      ['Account', 'Spender', 'Amount', 'Token', 'Until'],
      ['Domain', 'Version', 'Chain ID', 'Contract', 'Message'],
    ])
    expect(row(r, 'Spender')).toBe(FRIEND)
    expect(row(r, 'Amount')).toBe('up to 125 APPLE')
    expect(row(r, 'Token')).toBe(TOKEN)
    expect(row(r, 'Message')).toContain('"value": "12500"')
    // A domain that signs no chain id makes the permit valid on any chain: that warning stays in view.
    const { chainId: _, ...anyChain } = domain
    const replayable = permitTypedData(anyChain, typed.message)
    const loose = describeTypedData(ME, replayable, undefined, null, await permitTerms(apple, replayable))
    expect(loose.details.find((d) => d.label === 'Chain ID')?.value).toBe('none: valid on any chain')
    expect(sections(loose)[1]).toEqual(['Domain', 'Version', 'Contract', 'Message'])
    // Unlimited, and no deadline: worded as an unlimited approve is.
    const forever = permit({ value: maxUint256.toString(), deadline: maxUint256.toString() })
    const always = describeTypedData(ME, forever, undefined, null, await permitTerms(apple, forever))
    expect(always.title).toBe('Allow 0x90…06 to spend any amount of your APPLE (unlimited), with no deadline')
    expect(row(always, 'Amount')).toBe('any amount of APPLE (unlimited)')
    // A contract the node does not know as a token: base units of its address, never a guess.
    const unknown = describeTypedData(ME, typed, undefined, null, await permitTerms(backend, typed))
    expect(unknown.title).toBe(
      'Allow 0x90…06 to spend up to 12,500 base units of token 0x00…e1 of yours until 5 Dec 2026, 14:00',
    )
    expect(row(unknown, 'Token')).toBe(TOKEN)
    // Another owner than the signing account is said, and the title does not call the tokens yours.
    const theirs = permit({ owner: FRIEND })
    const notMine = describeTypedData(ME, theirs, undefined, null, await permitTerms(apple, theirs))
    expect(row(notMine, 'Owner')).toBe(`${FRIEND}: not this account, so the token refuses the signature`)
    expect(notMine.title).toBe('Allow 0x90…06 to spend up to 125 APPLE until 5 Dec 2026, 14:00')
    // Any other shape is typed data like any other: a field more or in another order, the verifying
    // contract not signed, another primary type, a value that is not a uint256.
    const other = [
      permit(
        {},
        { types: { ...typed.types, Permit: [...typed.types.Permit, { name: 'extra', type: 'uint256' }] } },
      ),
      permit({}, { types: { ...typed.types, Permit: [...typed.types.Permit].reverse() } }),
      permit(
        {},
        { types: { ...typed.types, EIP712Domain: getTypesForEIP712Domain({ domain: { name: 'Apple' } }) } },
      ),
      permit({}, { primaryType: 'Mail' }),
      permit({ value: '-1' }),
      permit({ value: (maxUint256 + 1n).toString() }),
      permit({ spender: 'me' }),
    ]
    for (const t of other) expect(await permitTerms(apple, t)).toBeNull()
    expect(describeTypedData(ME, typed, undefined, null, null).title).toBe('Sign Permit for Apple')
    expect(describeTypedData(ME, typed).title).toBe('Sign Permit for Apple')
    expect(permitEnds(10n ** 30n)).toBe(`Unix time ${10n ** 30n}`)
  })

  test("the approval dialog's times read one way, in local time, whatever the browser's language", () => {
    const at = (...parts: [number, number, number, number, number]) =>
      BigInt(new Date(...parts).getTime() / 1000)
    expect(approvalTime(at(2026, 11, 5, 14, 0))).toBe('5 Dec 2026, 14:00')
    expect(approvalTime(at(2027, 0, 31, 9, 5))).toBe('31 Jan 2027, 09:05')
    expect(approvalTime(at(2026, 6, 1, 0, 0))).toBe('1 Jul 2026, 00:00')
    // A permit's deadline and an offer's end are the same formatter's.
    for (const t of [at(2026, 11, 5, 14, 0), at(2027, 0, 31, 9, 5)]) {
      expect(permitEnds(t)).toBe(approvalTime(t))
      expect(offerEnds(t)).toBe(approvalTime(t))
    }
    expect(permitEnds(maxUint256)).toBe('no deadline')
    expect(approvalTime(10n ** 30n)).toBe(`Unix time ${10n ** 30n}`)
  })

  test('ERC20 transfer and approve to an address with no token: base units, never a guess', async () => {
    const base = { from: ME, to: TOKEN, value: 0n, gas: 60_000n, maxFeePerGas: 1n }
    const transfer = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [FRIEND, 125n] })
    expect((await describeTransaction(backend, { ...base, data: transfer })).title).toBe(
      'Transfer 125 base units of token 0x00…e1 to 0x90…06',
    )
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [FRIEND, 7n] })
    expect((await describeTransaction(backend, { ...base, data: approve })).title).toBe(
      'Allow 0x90…06 to spend up to 7 base units of token 0x00…e1 of yours',
    )
    // Other data to an address without code (no token there) is ignored by the chain: a send.
    const other = await describeTransaction(backend, { ...base, data: '0xdeadbeef' })
    expect(other.title).toBe('Send 0 TAB to 0x00…e1, with data it ignores (no contract there)')
    const call = await describeTransaction(backend, {
      ...base,
      to: TOKEN_FACTORY_ADDRESS,
      data: '0xdeadbeef',
    })
    expect(call.title).toBe('Call contract 0x00…01 (0xdeadbeef)')
  })

  test('ERC20 transfer and approve show the recipient and spender in full (the title shortens them)', async () => {
    // Same first two and last two hex digits as FRIEND: the titles alone read the same.
    const lookalike = getAddress('0x90000000000000000000000000000000deadbe06')
    const base = { from: ME, to: TOKEN, value: 0n, gas: 60_000n, maxFeePerGas: 1n }
    for (const [functionName, label] of [
      ['transfer', 'Recipient'],
      ['approve', 'Spender'],
    ] as const) {
      const shown = async (who: `0x${string}`) =>
        describeTransaction(backend, {
          ...base,
          data: encodeFunctionData({ abi: erc20Abi, functionName, args: [who, 125n] }),
        })
      const real = await shown(FRIEND)
      const fake = await shown(lookalike)
      expect(fake.title).toBe(real.title)
      expect(real.details[0]).toEqual({ label, value: FRIEND })
      expect(fake.details[0]).toEqual({ label, value: lookalike })
    }
  })

  test('an ERC20 approve of 2^256 - 1 (an allowance the token never decreases) reads as unlimited, not as its 78 digits', async () => {
    const base = { from: ME, to: TOKEN, value: 0n, gas: 60_000n, maxFeePerGas: 1n }
    const approve = (amount: bigint) =>
      describeTransaction(backend, {
        ...base,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [FRIEND, amount] }),
      })
    expect((await approve(maxUint256)).title).toBe(
      'Allow 0x90…06 to spend any amount of your token 0x00…e1 (unlimited)',
    )
    // One less is a number the token does decrease: shown as the number it is.
    expect((await approve(maxUint256 - 1n)).title).toBe(
      'Allow 0x90…06 to spend up to 115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457,584,007,913,129,639,934 base units of token 0x00…e1 of yours',
    )
    expect((await approve(maxUint256)).details[0]).toEqual({ label: 'Spender', value: FRIEND })
  })

  test('an ERC20 approve says how much the spender may take, in the token’s units: up to a figure, or any amount when unlimited', async () => {
    const gold = tokenBackend('GLD', 2)
    const base = { from: ME, to: TOKEN, value: 0n, gas: 60_000n, maxFeePerGas: 1n }
    const approve = (amount: bigint) =>
      describeTransaction(gold, {
        ...base,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [FRIEND, amount] }),
      })
    const some = await approve(1_250n)
    expect(some.title).toBe('Allow 0x90…06 to spend up to 12.5 GLD of yours')
    expect(some.details.slice(0, 2)).toEqual([
      { label: 'Spender', value: FRIEND },
      { label: 'Amount', value: 'up to 12.5 GLD' },
    ])
    const any = await approve(maxUint256)
    expect(any.title).toBe('Allow 0x90…06 to spend any amount of your GLD (unlimited)')
    expect(row(any, 'Amount')).toBe('any amount of GLD (unlimited)')
  })

  test('an ERC20 transferFrom names whose tokens move, where to and how many, each address in full', async () => {
    const owner = getAddress(DEVNET_ACCOUNTS[2] as string)
    const r = await describeTransaction(backend, {
      from: ME,
      to: TOKEN,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transferFrom', args: [owner, FRIEND, 125n] }),
      gas: 60_000n,
      maxFeePerGas: 1n,
    })
    expect(r.title).toBe('Transfer 125 base units of token 0x00…e1 from 0x3C…BC to 0x90…06')
    expect(r.details.slice(0, 2)).toEqual([
      { label: 'Owner', value: owner },
      { label: 'Recipient', value: FRIEND },
    ])
  })

  test('an HTLC lock says what it escrows, for whom and until which block; redeem and refund name their lock', async () => {
    const hashlock = keccak256('0x01')
    const lock = (token: Hex, amount: bigint) =>
      encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [token, amount, FRIEND, hashlock, 120n],
      })
    const base = { from: ME, to: HTLC_ADDRESS, gas: 90_000n, maxFeePerGas: 1n }
    const native = await describeTransaction(backend, {
      ...base,
      value: parseEther('5'),
      data: lock(ZERO_ADDRESS, parseEther('5')),
    })
    expect(native.title).toBe('Lock 5 TAB for 0x90…06 until block 120 (~4m\u00a000s)')
    // The native contract it calls is named, its address kept whole.
    expect(row(native, 'To')).toBe(
      `HTLC (atomic swaps), the native contract that holds swap locks: ${HTLC_ADDRESS}`,
    )
    // The block it can be refunded from, with the time to it at one block per 2 s (the head is block 0).
    expect(native.details.slice(0, 4)).toEqual([
      { label: 'Recipient', value: FRIEND },
      { label: 'Amount', value: '5 TAB' },
      { label: 'Hashlock', value: hashlock },
      { label: 'Refundable from', value: 'block 120 (~4m\u00a000s)' },
    ])
    // The value is the amount locked (the HTLC refuses any other): no second row says it again.
    expect(row(native, 'Also sends')).toBeUndefined()
    // A token lock pulls the tokens through the allowance: the amount is the token's, named by its symbol.
    const gold = tokenBackend('GLD', 2)
    const token = await describeTransaction(gold, { ...base, value: 0n, data: lock(TOKEN, 1250n) })
    expect(token.title).toBe('Lock 12.5 GLD for 0x90…06 until block 120 (~4m\u00a000s)')
    expect(token.details).toContainEqual({ label: 'Token', value: TOKEN })
    expect(row(token, 'Amount')).toBe('12.5 GLD')
    // Coin sent beside a token lock is not the amount locked: the title and a row say it.
    const paying = await describeTransaction(gold, {
      ...base,
      value: parseEther('5'),
      data: lock(TOKEN, 1250n),
    })
    expect(paying.title).toBe('Lock 12.5 GLD for 0x90…06 until block 120 (~4m\u00a000s), paying it 5 TAB')
    expect(row(paying, 'Also sends')).toBe('5 TAB')
    // The time to the refund block runs from the head: 60 blocks at 2 s from block 60, none once reached.
    for (const [head, refundable] of [
      [60n, 'block 120 (~2m\u00a000s)'],
      [120n, 'block 120'],
    ] as const) {
      const at = { ...gold, blockNumber: async () => head }
      const later = await describeTransaction(at, { ...base, value: 0n, data: lock(TOKEN, 1250n) })
      expect(row(later, 'Refundable from')).toBe(refundable)
    }
    const id = keccak256('0x02')
    const secret = keccak256('0x03')
    const redeem = await describeTransaction(backend, {
      ...base,
      value: 0n,
      data: encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, secret] }),
    })
    expect(redeem.title).toBe(`Redeem swap lock ${id.slice(0, 4)}…${id.slice(-2)}`)
    // This node holds no lock of that id: its payout reads as unknown (see the redeem and refund test).
    expect(redeem.details.slice(0, 3)).toEqual([
      { label: 'Lock', value: id },
      { label: 'Amount', value: 'unknown: this node holds no such lock (the call fails)' },
      { label: 'Secret (made public)', value: secret },
    ])
    const refund = await describeTransaction(backend, {
      ...base,
      value: 0n,
      data: encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [id] }),
    })
    expect(refund.title).toBe(`Refund swap lock ${id.slice(0, 4)}…${id.slice(-2)}`)
    expect(refund.details[0]).toEqual({ label: 'Lock', value: id })
  })

  test('an HTLC redeem or refund says what its lock pays out and to whom, as the node holds the lock', async () => {
    const id = keccak256('0x02')
    const secret = keccak256('0x03')
    /** The GLD token's backend, at which the HTLC holds lock `id` of `amount` of `token`, as ME sent it to FRIEND. */
    const holding = (token: Hex, amount: bigint): ProviderBackend => {
      const gold = tokenBackend('GLD', 2)
      return {
        ...gold,
        call: async (req, at) => {
          if (req.to !== HTLC_ADDRESS) return gold.call(req, at)
          const returnData = encodeFunctionResult({
            abi: htlcAbi,
            functionName: 'getLock',
            result: [ME, FRIEND, getAddress(token), amount, keccak256('0x01'), 120n, 1],
          })
          return { status: 1 as const, returnData, gasUsed: 30_000n }
        },
      }
    }
    const base = { from: ME, to: HTLC_ADDRESS, value: 0n, gas: 90_000n, maxFeePerGas: 1n }
    const redeem = encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, secret] })
    const refund = encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [id] })
    const r = await describeTransaction(holding(TOKEN, 1_250n), { ...base, data: redeem })
    expect(r.details.slice(0, 4)).toEqual([
      { label: 'Lock', value: id },
      { label: 'Amount', value: '12.5 GLD' },
      { label: 'Paid to', value: FRIEND },
      { label: 'Secret (made public)', value: secret },
    ])
    const back = await describeTransaction(holding(ZERO_ADDRESS, parseEther('5')), { ...base, data: refund })
    expect(back.details.slice(0, 3)).toEqual([
      { label: 'Lock', value: id },
      { label: 'Amount', value: '5 TAB' },
      { label: 'Paid to', value: ME },
    ])
    // A lock the node does not hold (getLock answers zeros) is said to be unknown: the call would fail.
    const none = await describeTransaction(backend, { ...base, data: refund })
    expect(row(none, 'Amount')).toBe('unknown: this node holds no such lock (the call fails)')
    expect(row(none, 'Paid to')).toBeUndefined()
  })

  test("the Tokens screen's create, mint and burn read as what they do, not as a contract call and its data", async () => {
    const base = { from: ME, value: 0n, gas: 200_000n, maxFeePerGas: 1n }
    const create = await describeTransaction(backend, {
      ...base,
      to: TOKEN_FACTORY_ADDRESS,
      data: encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Banana', 'BAN', 2, 100_000n],
      }),
    })
    expect(create.title).toBe('Create token Banana (BAN) with 1,000 BAN for you')
    expect(create.details.slice(0, 4)).toEqual([
      { label: 'Name', value: 'Banana' },
      { label: 'Symbol', value: 'BAN' },
      { label: 'Decimals', value: '2' },
      { label: 'Initial supply', value: '1,000 BAN' },
    ])
    expect(row(create, 'Data')).toBeUndefined()
    // Sent to the native contract that creates tokens, said in words beside its address (the dialog read
    // "To 0x0000000000000000000000000000000000001001" and nothing more).
    expect(row(create, 'To')).toBe(
      `TokenFactory, the native contract that creates tokens: ${TOKEN_FACTORY_ADDRESS}`,
    )
    // What the new token is named is signed as it is: a hidden character shows escaped.
    const hidden = await describeTransaction(backend, {
      ...base,
      to: TOKEN_FACTORY_ADDRESS,
      data: encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Gold\u202E', 'G\u200BLD', 0, 5n],
      }),
    })
    expect(hidden.title).toBe('Create token Gold\\u{202E} (G\\u{200B}LD) with 5 G\\u{200B}LD for you')
    const gold = tokenBackend('GLD', 2)
    const mint = await describeTransaction(gold, {
      ...base,
      to: TOKEN,
      data: encodeFunctionData({ abi: nativeTokenAbi, functionName: 'mint', args: [FRIEND, 1_250n] }),
    })
    expect(mint.title).toBe('Mint 12.5 GLD to 0x90…06')
    expect(row(mint, 'Recipient')).toBe(FRIEND)
    expect(row(mint, 'Amount')).toBe('12.5 GLD')
    const burn = await describeTransaction(gold, {
      ...base,
      to: TOKEN,
      data: encodeFunctionData({ abi: nativeTokenAbi, functionName: 'burn', args: [300n] }),
    })
    expect(burn.title).toBe('Burn 3 GLD')
    expect(burn.details[0]).toEqual({ label: 'Amount', value: '3 GLD' })
    expect(row(burn, 'Data')).toBeUndefined()
  })

  test('value sent with data is in the title: to an account without code it is a send, to a contract a payment beside the call', async () => {
    const base = { from: ME, gas: 60_000n, maxFeePerGas: 1n, value: parseEther('50') }
    // FRIEND has no code: the chain moves the value and ignores the data.
    const eoa = await describeTransaction(backend, { ...base, to: FRIEND, data: '0xdeadbeef' })
    expect(eoa.title).toBe('Send 50 TAB to 0x90…06, with data it ignores (no contract there)')
    expect(eoa.details).toContainEqual({ label: 'Data', value: '0xdeadbeef' })
    const factory = await describeTransaction(backend, {
      ...base,
      to: TOKEN_FACTORY_ADDRESS,
      data: '0xdeadbeef',
    })
    expect(factory.title).toBe('Call contract 0x00…01 (0xdeadbeef), paying it 50 TAB')
    const transfer = await describeTransaction(backend, {
      ...base,
      to: TOKEN,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [FRIEND, 125n] }),
    })
    expect(transfer.title).toBe('Transfer 125 base units of token 0x00…e1 to 0x90…06, paying it 50 TAB')
    // A lock of the native coin escrows its value: the title names it once.
    const lock = await describeTransaction(backend, {
      ...base,
      to: HTLC_ADDRESS,
      data: encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [ZERO_ADDRESS, parseEther('50'), FRIEND, keccak256('0x01'), 120n],
      }),
    })
    expect(lock.title).toBe('Lock 50 TAB for 0x90…06 until block 120 (~4m\u00a000s)')
  })

  test("a market offer reads as what it trades, from the app's Offer type in the signed Tabchain Offers domain only", async () => {
    const offer = {
      maker: ME,
      makerPeer: '12D3KooW',
      sellToken: TOKEN,
      sellAmount: 1_250_000n,
      buyToken: ZERO_ADDRESS,
      buyAmount: parseEther('2000'),
      expiresAt: 1_796_455_934n,
      makerTimelock: 207,
      takerTimelock: 70,
      salt: `0x${'11'.repeat(32)}` as Hex,
    }
    const typed = offerTypedData(31_415, offer)
    // As the page sends it: JSON, numbers as strings, the domain's type declared.
    const sent = JSON.parse(
      JSON.stringify(
        {
          ...typed,
          types: { EIP712Domain: getTypesForEIP712Domain({ domain: typed.domain }), ...typed.types },
        },
        (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
      ),
    )
    const terms = await offerTerms(backend, sent)
    // No token at TOKEN on this chain: its amount in base units, never a guess; the coin in TAB.
    expect(terms).toEqual({
      sell: '1,250,000 base units of token 0x00…e1',
      buy: '2,000 TAB',
      expiresAt: offer.expiresAt,
      makerTimelock: 207n,
      takerTimelock: 70n,
      blockMs: 2000,
    })
    const r = describeTypedData(ME, sent, undefined, terms)
    expect(r.title).toBe('Offer to sell 1,250,000 base units of token 0x00…e1 for 2,000 TAB')
    expect(sections(r)).toEqual([
      ['Account', 'You sell', 'You receive', 'Open until', 'If it stops half-way', 'Trade'],
      ['Domain', 'Version', 'Chain ID', 'Message'],
    ])
    // Written as the permit's deadline is, not in the browser's own date format.
    expect(row(r, 'Open until')).toBe(approvalTime(1_796_455_934n))
    expect(row(r, 'Open until')).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/)
    // Anything else is typed data like any other: another domain name, the name not signed, another Offer
    // type (a field more), a take.
    const other = [
      { ...sent, domain: { ...sent.domain, name: 'Tabchain' } },
      { ...sent, types: { ...sent.types, EIP712Domain: [{ name: 'chainId', type: 'uint256' }] } },
      { ...sent, types: { ...sent.types, Offer: [...sent.types.Offer, { name: 'extra', type: 'uint256' }] } },
      { ...sent, primaryType: 'Take' },
    ]
    for (const t of other) expect(await offerTerms(backend, t)).toBeNull()
    expect(describeTypedData(ME, sent, undefined, null).title).toBe('Sign Offer for Tabchain Offers')
    // The timelocks as times at the chain's block time (2 s), their blocks kept.
    expect(row(r, 'If it stops half-way')).toBe(
      "Your 1,250,000 base units of token 0x00…e1 come back to you ~6m\u00a054s (207 blocks) after you lock them; the taker's 2,000 TAB, ~2m\u00a020s (70 blocks) after the taker locks them.",
    )
    // What else signing approves, in the words of the swap steps (collect, take back), not the HTLC calls'.
    expect(row(r, 'Trade')).toBe(
      'Signing approves the whole trade: while your wallet is unlocked, this tab signs each of its steps for exactly these amounts without asking again (locking yours, after approving the token when yours is one; collecting theirs; taking yours back if it stops half-way).',
    )
    expect(offerEnds(10n ** 30n)).toBe(`Unix time ${10n ** 30n}`)
  })

  test('a take reads as what the taker pays and receives, a cancel as the offer it withdraws, from the offer their id names in the node’s book; an offer the book lacks, as typed data', async () => {
    const offer = friendsOffer(TOKEN)
    const id = offerId(31_415, offer)
    const asked: Hex[] = []
    const book: ProviderBackend = {
      ...tokenBackend('GLD', 2),
      offer: async (wanted) => {
        asked.push(wanted)
        return wanted === id ? offer : null
      },
    }
    const take = (offerIdField: Hex, name = 'Tabchain Offers') =>
      JSON.parse(
        JSON.stringify({
          ...takeTypedData(31_415, { offerId: offerIdField, taker: ME, takerPeer: '12D3KooWme' }),
          domain: { name, version: '1', chainId: '31415' },
        }),
      )
    const sent = take(id)
    const terms = await offerTerms(book, sent)
    expect(terms).toEqual({
      sell: '10 GLD',
      buy: '2.5 TAB',
      expiresAt: offer.expiresAt,
      makerTimelock: 207n,
      takerTimelock: 70n,
      blockMs: 2000,
    })
    const r = describeTypedData(ME, sent, undefined, terms)
    expect(r.title).toBe('Take the offer: you pay 2.5 TAB, you receive 10 GLD')
    expect(row(r, 'You pay')).toBe('2.5 TAB')
    expect(row(r, 'You receive')).toBe('10 GLD')
    // Which offer, what goes out and what comes in, from which account, first; the raw take (offer id,
    // taker, peer) and its domain under "Message as signed".
    expect(sections(r)).toEqual([
      ['Account', 'You pay', 'You receive', 'Offer', 'If it stops half-way', 'Trade'],
      ['Domain', 'Version', 'Chain ID', 'Message'],
    ])
    expect(row(r, 'Offer')).toBe(
      `Sells 10 GLD for 2.5 TAB, open until ${approvalTime(offer.expiresAt)} (id ${id.slice(0, 10)}…${id.slice(-6)})`,
    )
    expect(row(r, 'Message')).toContain(`"offerId": "${id}"`)
    expect(row(r, 'If it stops half-way')).toBe(
      "Your 2.5 TAB come back to you ~2m\u00a020s (70 blocks) after you lock them; the maker's 10 GLD, ~6m\u00a054s (207 blocks) after the maker locks them.",
    )
    expect(row(r, 'Trade')).toBe(
      'Signing approves the whole trade: while your wallet is unlocked, this tab signs each of its steps for exactly these amounts without asking again (locking yours, after approving the token when yours is one; collecting theirs; taking yours back if it stops half-way).',
    )
    // An offer the book does not hold: nothing to read its amounts from, so no amounts are made up.
    const unknown = take(keccak256('0x02'))
    expect(await offerTerms(book, unknown)).toBeNull()
    expect(describeTypedData(ME, unknown, undefined, null).title).toBe('Sign Take for Tabchain Offers')
    // A take in another domain is not the market's: the book is not asked.
    asked.length = 0
    expect(await offerTerms(book, take(id, 'Tabchain'))).toBeNull()
    // Nor is a take of another type (a field more): what it signs is not the market's take.
    const wider = {
      ...sent,
      types: { ...sent.types, Take: [...sent.types.Take, { name: 'extra', type: 'uint256' }] },
    }
    expect(await offerTerms(book, wider)).toBeNull()
    expect(asked).toEqual([])
    // Withdrawing names the offer by its id too: the dialog says which offer goes.
    const cancel = JSON.parse(JSON.stringify(cancelTypedData(31_415, id)))
    const withdrawn = describeTypedData(ME, cancel, undefined, await offerTerms(book, cancel))
    expect(withdrawn.title).toBe('Withdraw the offer to sell 10 GLD for 2.5 TAB')
    // Which offer (its id shortened as a hash), and that withdrawing is free; the raw cancel folded.
    expect(sections(withdrawn)).toEqual([
      ['Account', 'Offer', 'Cost'],
      ['Domain', 'Version', 'Chain ID', 'Message'],
    ])
    expect(row(withdrawn, 'Offer')).toBe(row(r, 'Offer'))
    expect(row(withdrawn, 'Cost')).toBe('Withdrawing costs nothing: you sign a message, no transaction.')
    expect(row(withdrawn, 'Message')).toContain(`"offerId": "${id}"`)
    // A cancel in another domain is not the market's, whatever terms come with it.
    const elsewhere = { ...cancel, domain: { ...cancel.domain, name: 'Tabchain' } }
    expect(describeTypedData(ME, elsewhere, undefined, terms).title).toBe('Sign Cancel for Tabchain')
    const gone = JSON.parse(JSON.stringify(cancelTypedData(31_415, keccak256('0x02'))))
    expect(await offerTerms(book, gone)).toBeNull()
    expect(describeTypedData(ME, gone, undefined, null).title).toBe('Sign Cancel for Tabchain Offers')
  })

  test('messages: UTF-8 text shown as text, binary as hex; typed data names its domain', () => {
    expect(row(describeMessage(ME, stringToHex('hello')), 'Message')).toBe('hello')
    expect(row(describeMessage(ME, '0x00ff01'), 'Message')).toBe('0x00ff01')
    // Bytes that are not UTF-8 (0xc3 then no continuation byte) read as hex, not as a replacement character.
    expect(row(describeMessage(ME, '0xc328'), 'Message')).toBe('0xc328')
    expect(
      describeTypedData(ME, { domain: { name: 'Tabchain' }, primaryType: 'Offer', message: { a: 1n } }).title,
    ).toBe('Sign Offer for Tabchain')
    // Offers and takes of the market say that they approve the whole swap; other typed data does not.
    const labels = (name: string, primaryType: string) =>
      describeTypedData(ME, { domain: { name }, primaryType, message: {} }).details.map((d) => d.label)
    expect(labels('Tabchain Offers', 'Offer')).toContain('Trade')
    expect(labels('Tabchain Offers', 'Take')).toContain('Trade')
    expect(labels('Tabchain Offers', 'Cancel')).not.toContain('Trade')
    expect(labels('Tabchain', 'Offer')).not.toContain('Trade')
    // Typed data the wallet cannot read in words shows its domain and message first: there is nothing else.
    const mail = describeTypedData(ME, { domain: { name: 'Mail' }, primaryType: 'Mail', message: { a: 1 } })
    expect(sections(mail)).toEqual([['Account', 'Domain', 'Chain ID', 'Message'], undefined])
  })

  test('messages and typed data name the signing account: in full (EIP-55), with its wallet name when given', () => {
    // Same first two and last two hex digits as ME: a shortened address would read the same.
    const lookalike = getAddress('0xf3000000000000000000000000000000deadbe66')
    const account = (r: Parameters<typeof row>[0]) => row(r, 'Account')
    const typed = { domain: { name: 'Mail' }, primaryType: 'Mail', message: {} }
    expect(account(describeMessage(ME, '0x68'))).toBe(ME)
    expect(account(describeMessage(lookalike, '0x68'))).toBe(lookalike)
    expect(account(describeTypedData(ME, typed))).toBe(ME)
    expect(account(describeMessage(ME, '0x68', 'Savings'))).toBe(`Savings (${ME})`)
    expect(account(describeTypedData(ME, typed, 'Savings'))).toBe(`Savings (${ME})`)
    // The wallet's name is the user's, yet shown as signed text is: hidden characters escaped.
    expect(account(describeMessage(ME, '0x68', 'Sav\u202Eings'))).toBe(`Sav\\u{202E}ings (${ME})`)
  })

  test('typed data shows the domain it is signed for: name, version, chain id, verifying contract, salt', () => {
    const rows = (typed: Parameters<typeof describeTypedData>[1]) =>
      Object.fromEntries(describeTypedData(ME, typed).details.map((d) => [d.label, d.value]))
    const full = rows({
      domain: {
        name: 'Mail',
        version: '2',
        chainId: '0x7ab8',
        verifyingContract: TOKEN.toLowerCase(),
        salt: `0x${'ab'.repeat(32)}`,
      },
      primaryType: 'Mail',
      message: {},
    })
    expect(full).toMatchObject({
      Domain: 'Mail',
      Version: '2',
      'Chain ID': '31416',
      Contract: TOKEN,
      Salt: `0x${'ab'.repeat(32)}`,
    })
    // No chain id: the signature holds on every chain, and the dialog says so; absent fields have no row.
    const bare = rows({ domain: { name: 'Mail' }, primaryType: 'Mail', message: {} })
    expect(bare['Chain ID']).toBe('none: valid on any chain')
    expect(Object.keys(bare)).not.toContain('Contract')
    expect(Object.keys(bare)).not.toContain('Version')
    // A declared EIP712Domain type decides what is signed: a field it leaves out is not shown as signed.
    const declared = rows({
      types: { EIP712Domain: [{ name: 'name', type: 'string' }], Mail: [] },
      domain: { name: 'Mail', chainId: 31416, verifyingContract: TOKEN },
      primaryType: 'Mail',
      message: {},
    })
    expect(declared['Chain ID']).toBe('none: valid on any chain')
    expect(Object.keys(declared)).not.toContain('Contract')
    // A field of its own that the declared type adds is signed, and shown.
    const extraTyped = {
      types: { EIP712Domain: [{ name: 'chain', type: 'uint256' }], Mail: [] },
      domain: { name: 'Mail', chain: 1 },
      primaryType: 'Mail',
      message: {},
    }
    expect(rows(extraTyped)['Domain chain']).toBe('1')
    // Its name, which the declared type leaves out, is not signed: nor does the title give it.
    expect(describeTypedData(ME, extraTyped).title).toBe('Sign Mail for unnamed domain')
    expect(Object.keys(rows(extraTyped))).not.toContain('Domain')
  })

  test('messages and typed data: bidi overrides, zero-width and other hidden characters are shown escaped', () => {
    const spoof = 'Pay 1 TAB to \u202Eevil\u202C, \u200Bsee\u2066x\u2069\uFEFF\u0085\u2028\u{E0041}\uFE0F\r'
    const shown = row(describeMessage(ME, stringToHex(spoof)), 'Message')
    expect(shown).toBe(
      'Pay 1 TAB to \\u{202E}evil\\u{202C}, \\u{200B}see\\u{2066}x\\u{2069}\\u{FEFF}\\u{85}\\u{2028}\\u{E0041}\\u{FE0F}\\u{D}',
    )
    // A private-use character shows as whatever a font draws there: escaped too.
    expect(row(describeMessage(ME, stringToHex('a\uE000b')), 'Message')).toBe('a\\u{E000}b')
    // Lines and tabs stay as they are: a sign-in message spans lines.
    expect(row(describeMessage(ME, stringToHex('Sign in\n\tnonce: 1')), 'Message')).toBe(
      'Sign in\n\tnonce: 1',
    )
    const typed = describeTypedData(ME, {
      domain: { name: 'Tab\u202Echain' },
      primaryType: 'Or\u200Bder',
      message: { to: 'abc\u202Edef', 'k\u2067': 1 },
    })
    expect(typed.title).toBe('Sign Or\\u{200B}der for Tab\\u{202E}chain')
    expect(row(typed, 'Message')).toContain('"to": "abc\\u{202E}def"')
    expect(row(typed, 'Message')).toContain('"k\\u{2067}": 1')
    for (const text of [shown, typed.title, row(typed, 'Message')])
      expect(text).not.toMatch(/[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\n\t]/u)
  })

  test('a token whose symbol holds a right-to-left override is named with it escaped', async () => {
    const token = tokenBackend('US\u202EDT', 0)
    const transfer = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [FRIEND, 5n] })
    const r = await describeTransaction(token, {
      from: ME,
      to: TOKEN,
      value: 0n,
      data: transfer,
      gas: 60_000n,
      maxFeePerGas: 1n,
    })
    expect(r.title).toBe('Transfer 5 US\\u{202E}DT to 0x90…06')
  })

  test('typed addresses: EIP-55 checked when mixed case', () => {
    expect(parseAddress(FRIEND)).toBe(FRIEND)
    expect(parseAddress(FRIEND.toLowerCase())).toBe(FRIEND)
    expect(parseAddress(`0x${FRIEND.slice(2).toUpperCase()}`)).toBe(FRIEND)
    expect(parseAddress('0x90F79bf6eb2c4f870365e785982e1f101e93b906')).toBe('bad checksum')
    expect(parseAddress('0x1234')).toBe('not an address')
  })
})

describe('devnet faucet', () => {
  /** Follows payments at `chain`'s heads, from the first faucet account. */
  const follow = (chain: { readonly nextHead: () => Promise<void> }) => ({
    pick: 0,
    nextHead: chain.nextHead,
  })

  test('pays 10 TAB from a funded devnet account; mined; refused on other chains', async () => {
    const solo = await soloNode()
    const { api, backend } = solo
    const to = getAddress('0x000000000000000000000000000000000000beef')
    const paid = [requestFaucet(backend, to, follow(solo)), requestFaucet(backend, to, follow(solo))]
    await api.setMining(true)
    await Promise.all(paid)
    expect((await backend.account(to, 'latest')).balance).toBe(2n * FAUCET_AMOUNT)
    await api.setMining(false)
    const other = createNodeBackend(api, { ...testGenesis().params, chainId: 1 })
    await expect(requestFaucet(other, to, follow(solo))).rejects.toMatchObject({ code: 4200 })
  })

  test('two payments asked at once from one account (two clicks) take consecutive nonces: both are paid', async () => {
    const solo = await soloNode()
    const { api, backend } = solo
    const to = getAddress('0x000000000000000000000000000000000000beef')
    const hashes: Hex[] = []
    const onState = (state: FaucetState) => state.kind === 'sent' && hashes.push(state.hash)
    const paid = [
      requestFaucet(backend, to, { ...follow(solo), onState }),
      requestFaucet(backend, to, { ...follow(solo), onState }),
    ]
    await expect.poll(() => hashes.length).toBe(2)
    const nonces = await Promise.all(hashes.map(async (h) => (await api.transaction(h))?.nonce))
    expect(nonces).toEqual([0n, 1n])
    await api.setMining(true)
    expect(await Promise.all(paid)).toEqual(hashes)
    expect((await backend.account(to, 'latest')).balance).toBe(2n * FAUCET_AMOUNT)
    await api.setMining(false)
  })

  test('after the pool drops a faucet payment, the next one from that account reuses its nonce; the dropped one is signed again once that is mined', async () => {
    const chain = chainTwin()
    const backend = poolBackend(chain)
    const to = getAddress('0x000000000000000000000000000000000000beef')
    const other = getAddress('0x000000000000000000000000000000000000cafe')
    const first = requestFaucet(backend, to, follow(chain))
    await expect.poll(() => backend.sent.length).toBe(1)
    backend.pool.clear()
    const second = requestFaucet(backend, other, follow(chain))
    await expect.poll(() => backend.sent.length).toBe(2)
    expect(backend.sent.map((raw) => parseTransaction(raw).nonce)).toEqual([0, 0])
    chain.mine(backend.pool)
    await second
    await expect.poll(() => backend.sent.length).toBe(3)
    chain.mine(backend.pool)
    await first
    expect(backend.sent.map((raw) => parseTransaction(raw).nonce)).toEqual([0, 0, 1])
    expect(chain.paid).toEqual(
      new Map([
        [other, FAUCET_AMOUNT],
        [to, FAUCET_AMOUNT],
      ]),
    )
  })

  test('a payment every pool dropped while blocks come, its nonce still free, is sent again as it was and paid', async () => {
    const chain = chainTwin()
    const backend = poolBackend(chain)
    const to = getAddress('0x000000000000000000000000000000000000beef')
    const paid = requestFaucet(backend, to, follow(chain))
    await expect.poll(() => backend.sent.length).toBe(1)
    backend.pool.clear()
    // A block without it: no pool holds it, and nothing took its nonce.
    chain.mine(new Map())
    await expect.poll(() => backend.sent.length).toBe(2)
    expect(backend.sent[1]).toBe(backend.sent[0])
    chain.mine(backend.pool)
    expect(await paid).toBe(keccak256(backend.sent[0] ?? '0x'))
    expect(chain.paid.get(to)).toBe(FAUCET_AMOUNT)
  })

  test('two tabs pay from one faucet account at one nonce before either saw the other: the one whose nonce was taken is signed again and mined', async () => {
    const chain = chainTwin()
    const [a, b] = [poolBackend(chain), poolBackend(chain)]
    const toA = getAddress('0x000000000000000000000000000000000000000a')
    const toB = getAddress('0x000000000000000000000000000000000000000b')
    // Each hash a payment is sent with is told (`paid`): the wallet keeps them to name its Activity rows.
    const toldA: Hex[] = []
    const toldB: Hex[] = []
    const paidA = requestFaucet(a, toA, { ...follow(chain), paid: (h) => toldA.push(h) })
    const paidB = requestFaucet(b, toB, { ...follow(chain), paid: (h) => toldB.push(h) })
    await expect.poll(() => a.sent.length + b.sent.length).toBe(2)
    expect([...a.sent, ...b.sent].map((raw) => parseTransaction(raw).nonce)).toEqual([0, 0])
    chain.mine(a.pool)
    expect(await paidA).toBe(keccak256(a.sent[0] ?? '0x'))
    // B's node has A's block: its payment's nonce is used, so it is signed again at the next one.
    await expect.poll(() => b.sent.length).toBe(2)
    expect(parseTransaction(b.sent[1] ?? '0x').nonce).toBe(1)
    chain.mine(b.pool)
    expect(await paidB).toBe(keccak256(b.sent[1] ?? '0x'))
    // The first hash and the one signed again: the mined one among them.
    expect(toldA).toEqual([keccak256(a.sent[0] ?? '0x')])
    expect(toldB).toEqual(b.sent.map((raw) => keccak256(raw)))
    expect(chain.paid).toEqual(
      new Map([
        [toA, FAUCET_AMOUNT],
        [toB, FAUCET_AMOUNT],
      ]),
    )
  })

  test('a payment no miner takes says so after the wait and reads nothing meanwhile; a block brings it back to sent, and it is paid once mined', async () => {
    const chain = chainTwin()
    const pool = poolBackend(chain)
    let looks = 0
    const backend: ProviderBackend = {
      ...pool,
      blockNumber: () => {
        looks++
        return pool.blockNumber()
      },
    }
    const to = getAddress('0x000000000000000000000000000000000000beef')
    const states: FaucetState[] = []
    const paid = requestFaucet(backend, to, {
      ...follow(chain),
      minerWaitMs: 50,
      onState: (state) => states.push(state),
    })
    await expect.poll(() => states.map((s) => s.kind)).toEqual(['sent', 'no-miner'])
    const hash = keccak256(pool.sent[0] ?? '0x')
    expect(states[1]).toEqual({ kind: 'no-miner', hash, waitedMs: 50 })
    // Nothing mines: nothing is looked at until a head comes.
    const idle = looks
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(looks).toBe(idle)
    // A block without it: a miner is there, so it reads sent again.
    chain.mine(new Map())
    await expect.poll(() => states[2]).toEqual({ kind: 'sent', hash, sends: 1 })
    chain.mine(pool.pool)
    expect(await paid).toBe(hash)
    expect(chain.paid.get(to)).toBe(FAUCET_AMOUNT)
    expect(pool.sent).toHaveLength(1)
  })

  test('a payment whose nonce another payment takes each time it is signed ends in WALLET_FAUCET_LOST', async () => {
    const chain = chainTwin()
    const [a, b] = [poolBackend(chain), poolBackend(chain)]
    const toA = getAddress('0x000000000000000000000000000000000000000a')
    const toB = getAddress('0x000000000000000000000000000000000000000b')
    const lost = expect(requestFaucet(b, toB, follow(chain))).rejects.toMatchObject({
      type: { code: 'WALLET_FAUCET_LOST', sends: FAUCET_SENDS },
    })
    for (let sends = 1; sends <= FAUCET_SENDS; sends++) {
      await expect.poll(() => b.sent.length).toBe(sends)
      const rival = requestFaucet(a, toA, follow(chain))
      await expect.poll(() => a.sent.length).toBe(sends)
      chain.mine(a.pool)
      await rival
    }
    await lost
    expect(b.sent.map((raw) => parseTransaction(raw).nonce)).toEqual([0, 1, 2])
    expect(chain.paid.get(toB)).toBeUndefined()
  })
})

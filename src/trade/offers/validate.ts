import { type Address, type Hex, recoverTypedDataAddress } from 'viem'
import { OfferError } from './errors'
import { timelockViolation } from './timelock'
import { cancelTypedData, offerId, offerTypedData, takeTypedData } from './typed-data'
import type { SignedCancel, SignedOffer, SignedTake } from './types'

/** Longest an offer may stay open: 7 days from when a node checks it (keeps every book bounded in time). */
export const MAX_OFFER_LIFETIME_S = 7n * 24n * 3600n

/** secp256k1 group order / 2: signatures with a larger s are refused (EIP-2), so each has one form. */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

const PEER_ID = /^[\x21-\x7e]{1,128}$/
/** Whether `x` is a peer id as offers and takes name one: 1–128 printable ASCII characters. */
export const isPeerId = (x: unknown): x is string => typeof x === 'string' && PEER_ID.test(x)
const ADDRESS = /^0x[0-9a-f]{40}$/
const BYTES32 = /^0x[0-9a-f]{64}$/

const fail = (type: ConstructorParameters<typeof OfferError>[0]): never => {
  throw new OfferError(type)
}

/** What an offer is checked against: the chain it is signed for and that chain's confirmation count k. */
export interface OfferRules {
  readonly chainId: number
  /** k: the timelock rule depends on it (see timelock.ts). */
  readonly confirmations: number
}

/** Unix seconds of a ms clock reading. */
export const unixSeconds = (nowMs: number): bigint => BigInt(Math.floor(nowMs / 1000))

/**
 * The checks that need no signature recovery, cheapest first: shape, chain id, amounts, tokens,
 * timelocks, expiry against `nowMs`. Throws `OfferError`; pure.
 */
export function checkOfferFields(signed: SignedOffer, rules: OfferRules, nowMs: number): void {
  const o = signed.offer
  const { chainId } = rules
  if (signed.chainId !== chainId) fail({ code: 'OFFER_WRONG_CHAIN', expected: chainId, got: signed.chainId })
  for (const [name, a] of [
    ['maker', o.maker],
    ['sellToken', o.sellToken],
    ['buyToken', o.buyToken],
  ] as const) {
    if (typeof a !== 'string' || !ADDRESS.test(a))
      fail({ code: 'OFFER_MALFORMED', reason: `${name} must be a lower-case 20-byte address` })
  }
  if (!isPeerId(o.makerPeer))
    fail({ code: 'OFFER_MALFORMED', reason: 'makerPeer must be 1–128 printable ASCII characters' })
  if (typeof o.salt !== 'string' || !BYTES32.test(o.salt))
    fail({ code: 'OFFER_MALFORMED', reason: 'salt must be 32 bytes of lower-case hex' })
  for (const [side, amount] of [
    ['sell', o.sellAmount],
    ['buy', o.buyAmount],
  ] as const) {
    if (typeof amount !== 'bigint' || amount >= 2n ** 256n)
      fail({ code: 'OFFER_MALFORMED', reason: `${side}Amount must be a uint256` })
    if (amount <= 0n) fail({ code: 'OFFER_ZERO_AMOUNT', side })
  }
  if (o.sellToken === o.buyToken) fail({ code: 'OFFER_SAME_TOKEN', token: o.sellToken })
  const violation = timelockViolation(o.makerTimelock, o.takerTimelock, rules.confirmations)
  if (violation !== null) fail(violation)
  if (typeof o.expiresAt !== 'bigint') fail({ code: 'OFFER_MALFORMED', reason: 'expiresAt must be a bigint' })
  const now = unixSeconds(nowMs)
  if (o.expiresAt <= now) fail({ code: 'OFFER_EXPIRED', expiresAt: o.expiresAt, now })
  if (o.expiresAt > now + MAX_OFFER_LIFETIME_S)
    fail({ code: 'OFFER_EXPIRY_TOO_FAR', expiresAt: o.expiresAt, max: now + MAX_OFFER_LIFETIME_S })
}

/** Refuses signatures that are not 65 bytes with v ∈ {27, 28} and a low s; returns nothing. */
function checkSignatureForm(signature: Hex, bad: (reason: string) => never): void {
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature))
    bad('signature must be 65 bytes of hex')
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  if (v !== 27 && v !== 28) bad('v must be 27 or 28')
  if (s === 0n || s > HALF_N) bad('s must be in [1, n/2] (EIP-2)')
}

async function recovers(
  typedData: Parameters<typeof recoverTypedDataAddress>[0],
  expected: Address,
  bad: (reason: string) => never,
): Promise<void> {
  let signer: Address
  try {
    signer = await recoverTypedDataAddress(typedData)
  } catch {
    return bad('signature does not recover')
  }
  if (signer.toLowerCase() !== expected.toLowerCase()) bad('signed by another key')
}

/**
 * Every check of an offer: fields first (cheap), then the maker's signature. Returns the offer id.
 * Throws `OfferError`; changes nothing.
 */
export async function validateOffer(signed: SignedOffer, rules: OfferRules, nowMs: number): Promise<Hex> {
  checkOfferFields(signed, rules, nowMs)
  const { chainId } = rules
  const bad = (reason: string): never => fail({ code: 'OFFER_BAD_SIGNATURE', reason })
  checkSignatureForm(signed.signature, bad)
  await recovers(
    { ...offerTypedData(chainId, signed.offer), signature: signed.signature },
    signed.offer.maker,
    bad,
  )
  return offerId(chainId, signed.offer)
}

/** Checks that `cancel` withdraws `offer` and is signed by its maker. Throws `OfferError`. */
export async function verifyCancel(offer: SignedOffer, id: Hex, cancel: SignedCancel): Promise<void> {
  const bad = (reason: string): never => fail({ code: 'CANCEL_BAD_SIGNATURE', reason })
  if (cancel.offerId !== id) bad('cancels another offer')
  checkSignatureForm(cancel.signature, bad)
  await recovers(
    { ...cancelTypedData(offer.chainId, id), signature: cancel.signature },
    offer.offer.maker,
    bad,
  )
}

/** Checks a take's shape and that its taker signed it for chain `chainId`. Throws `OfferError`. */
export async function verifyTake(chainId: number, signed: SignedTake): Promise<void> {
  const t = signed.take
  if (typeof t.offerId !== 'string' || !BYTES32.test(t.offerId))
    fail({ code: 'OFFER_MALFORMED', reason: 'offerId must be 32 bytes of lower-case hex' })
  if (typeof t.taker !== 'string' || !ADDRESS.test(t.taker))
    fail({ code: 'OFFER_MALFORMED', reason: 'taker must be a lower-case 20-byte address' })
  if (!isPeerId(t.takerPeer))
    fail({ code: 'OFFER_MALFORMED', reason: 'takerPeer must be 1–128 printable ASCII characters' })
  const bad = (reason: string): never => fail({ code: 'TAKE_BAD_SIGNATURE', reason })
  checkSignatureForm(signed.signature, bad)
  await recovers({ ...takeTypedData(chainId, t), signature: signed.signature }, t.taker, bad)
}

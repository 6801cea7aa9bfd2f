import type { Address, Hex } from 'viem'
import { bigintToBytes, bytesToBigint, fromHex, toHex } from '../../node/codec/bytes'
import { type RlpItem, rlpDecode, rlpEncode } from '../../node/codec/rlp'
import { OfferError, type OfferErrorType, TAKE_REFUSAL_CODES, type TakeRefusalCode } from './errors'
import type { SignedCancel, SignedOffer, SignedTake } from './types'

/**
 * Wire forms (canonical RLP, strict: one encoding per value, trailing bytes and leading zeros refused).
 *
 *   offer        [chainId, maker, makerPeer, sellToken, sellAmount, buyToken, buyAmount, expiresAt,
 *                 makerTimelock, takerTimelock, salt, signature]
 *   gossip       [1, 1, offer]  a new offer   |   [1, 2, offer, cancelSignature]  its cancellation
 *   snapshot     [1, [offer…], [[offer, cancelSignature]…]]   (answer to an empty request)
 *   take         [1, offerId, taker, takerPeer, signature]
 *   take answer  [1, 0, offerId, hashlock, agreedAtHeight]   |   [1, 1, code, detail, detail]
 *
 * A cancellation carries its offer, so a node that never saw the offer can still check the maker's
 * signature and refuse the offer if it turns up later.
 */

const VERSION = 1n
/** Largest offer gossip message; real ones are about 330 bytes. Checked before decoding. */
export const MAX_OFFER_MESSAGE_BYTES = 1024
/** Largest take request or answer. */
export const MAX_TAKE_BYTES = 512
/** Most offers (and most cancellations) one snapshot answer carries. */
export const MAX_SNAPSHOT_ENTRIES = 2000

const enc = new TextEncoder()

const malformed = (reason: string): never => {
  throw new OfferError({ code: 'OFFER_MALFORMED', reason })
}

function decodeRlp(data: Uint8Array, max: number): RlpItem {
  if (data.byteLength > max) malformed(`larger than ${max} bytes`)
  try {
    return rlpDecode(data)
  } catch (err) {
    return malformed(err instanceof Error ? err.message : 'bad RLP')
  }
}

const list = (x: RlpItem | undefined, name: string, length?: number): RlpItem[] => {
  if (!Array.isArray(x)) return malformed(`${name} must be a list`)
  if (length !== undefined && x.length !== length) malformed(`${name} must have ${length} items`)
  return x
}

const bytes = (x: RlpItem | undefined, name: string, length?: number): Uint8Array => {
  if (!(x instanceof Uint8Array)) return malformed(`${name} must be a byte string`)
  if (length !== undefined && x.byteLength !== length) malformed(`${name} must be ${length} bytes`)
  return x
}

const uint = (x: RlpItem | undefined, name: string, maxBytes: number): bigint => {
  const b = bytes(x, name)
  if (b.byteLength > maxBytes) malformed(`${name} is larger than ${maxBytes} bytes`)
  if (b.byteLength > 0 && b[0] === 0) malformed(`${name} has a leading zero`)
  return bytesToBigint(b)
}

const text = (x: RlpItem | undefined, name: string, maxBytes: number): string => {
  const b = bytes(x, name)
  if (b.byteLength > maxBytes) malformed(`${name} is longer than ${maxBytes} bytes`)
  try {
    // A leading U+FEFF is kept, not dropped: stripped, two encodings would decode to one value.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b)
  } catch {
    return malformed(`${name} is not UTF-8`)
  }
}

/** A detail field the refusal does not use: empty, so each refusal has one encoding. */
const unused = (x: RlpItem | undefined, name: string): void => {
  bytes(x, name, 0)
}

const address = (x: RlpItem | undefined, name: string): Address => toHex(bytes(x, name, 20)) as Address
const hex32 = (x: RlpItem | undefined, name: string): Hex => toHex(bytes(x, name, 32))
const signature = (x: RlpItem | undefined, name: string): Hex => toHex(bytes(x, name, 65))

const version = (x: RlpItem | undefined): void => {
  if (uint(x, 'version', 1) !== VERSION) malformed('unknown version')
}

function offerItem(s: SignedOffer): RlpItem {
  const o = s.offer
  return [
    bigintToBytes(BigInt(s.chainId)),
    fromHex(o.maker),
    enc.encode(o.makerPeer),
    fromHex(o.sellToken),
    bigintToBytes(o.sellAmount),
    fromHex(o.buyToken),
    bigintToBytes(o.buyAmount),
    bigintToBytes(o.expiresAt),
    bigintToBytes(BigInt(o.makerTimelock)),
    bigintToBytes(BigInt(o.takerTimelock)),
    fromHex(o.salt),
    fromHex(s.signature),
  ]
}

function offerFrom(x: RlpItem | undefined): SignedOffer {
  const [
    chainId,
    maker,
    makerPeer,
    sellToken,
    sellAmount,
    buyToken,
    buyAmount,
    expiresAt,
    mt,
    tt,
    salt,
    sig,
  ] = list(x, 'offer', 12)
  return {
    chainId: Number(uint(chainId, 'chainId', 6)),
    offer: {
      maker: address(maker, 'maker'),
      makerPeer: text(makerPeer, 'makerPeer', 128),
      sellToken: address(sellToken, 'sellToken'),
      sellAmount: uint(sellAmount, 'sellAmount', 32),
      buyToken: address(buyToken, 'buyToken'),
      buyAmount: uint(buyAmount, 'buyAmount', 32),
      expiresAt: uint(expiresAt, 'expiresAt', 8),
      makerTimelock: Number(uint(mt, 'makerTimelock', 4)),
      takerTimelock: Number(uint(tt, 'takerTimelock', 4)),
      salt: hex32(salt, 'salt'),
    },
    signature: signature(sig, 'signature'),
  }
}

/** A message of the offers topic: a new offer, or the cancellation of one. */
export type OfferMessage =
  | { readonly kind: 'offer'; readonly signed: SignedOffer }
  | { readonly kind: 'cancel'; readonly signed: SignedOffer; readonly cancel: SignedCancel }

export function encodeOfferMessage(m: OfferMessage): Uint8Array {
  return rlpEncode(
    m.kind === 'offer'
      ? [bigintToBytes(VERSION), bigintToBytes(1n), offerItem(m.signed)]
      : [bigintToBytes(VERSION), bigintToBytes(2n), offerItem(m.signed), fromHex(m.cancel.signature)],
  )
}

/**
 * Decodes an offers-topic message. The cancellation's offer id is left to the caller (it is the
 * offer's EIP-712 hash). Throws `OfferError` `OFFER_MALFORMED`.
 */
export function decodeOfferMessage(data: Uint8Array): {
  readonly signed: SignedOffer
  readonly cancelSignature: Hex | null
} {
  const item = list(decodeRlp(data, MAX_OFFER_MESSAGE_BYTES), 'message')
  version(item[0])
  const kind = uint(item[1], 'kind', 1)
  if (kind === 1n) {
    list(item, 'offer message', 3)
    return { signed: offerFrom(item[2]), cancelSignature: null }
  }
  if (kind === 2n) {
    list(item, 'cancel message', 4)
    return { signed: offerFrom(item[2]), cancelSignature: signature(item[3], 'cancel signature') }
  }
  return malformed('unknown message kind')
}

/** A node's open offers and the cancellations it remembers, as sent to a newly linked peer. */
export interface OfferSnapshot {
  readonly offers: readonly SignedOffer[]
  readonly cancels: readonly { readonly signed: SignedOffer; readonly cancelSignature: Hex }[]
}

export function encodeSnapshot(s: OfferSnapshot): Uint8Array {
  return rlpEncode([
    bigintToBytes(VERSION),
    s.offers.slice(0, MAX_SNAPSHOT_ENTRIES).map(offerItem),
    s.cancels.slice(0, MAX_SNAPSHOT_ENTRIES).map((c) => [offerItem(c.signed), fromHex(c.cancelSignature)]),
  ])
}

/** Decodes a snapshot answer (at most `maxBytes`). Throws `OfferError` `OFFER_MALFORMED`. */
export function decodeSnapshot(data: Uint8Array, maxBytes: number): OfferSnapshot {
  const [v, offers, cancels] = list(decodeRlp(data, maxBytes), 'snapshot', 3)
  version(v)
  const o = list(offers, 'offers')
  const c = list(cancels, 'cancels')
  if (o.length > MAX_SNAPSHOT_ENTRIES || c.length > MAX_SNAPSHOT_ENTRIES)
    malformed(`more than ${MAX_SNAPSHOT_ENTRIES} entries`)
  return {
    offers: o.map(offerFrom),
    cancels: c.map((x) => {
      const [offer, sig] = list(x, 'cancel', 2)
      return { signed: offerFrom(offer), cancelSignature: signature(sig, 'cancel signature') }
    }),
  }
}

export function encodeTake(t: SignedTake): Uint8Array {
  return rlpEncode([
    bigintToBytes(VERSION),
    fromHex(t.take.offerId),
    fromHex(t.take.taker),
    enc.encode(t.take.takerPeer),
    fromHex(t.signature),
  ])
}

/** Throws `OfferError` `OFFER_MALFORMED`. */
export function decodeTake(data: Uint8Array): SignedTake {
  const [v, id, taker, peer, sig] = list(decodeRlp(data, MAX_TAKE_BYTES), 'take', 5)
  version(v)
  return {
    take: {
      offerId: hex32(id, 'offerId'),
      taker: address(taker, 'taker'),
      takerPeer: text(peer, 'takerPeer', 128),
    },
    signature: signature(sig, 'signature'),
  }
}

/** The maker's answer to a take: the swap's remaining parameters, or why not. */
export type TakeAnswer =
  | {
      readonly accepted: true
      readonly offerId: Hex
      /** sha256 of the maker's secret. */
      readonly hashlock: Hex
      /** The maker's head when it accepted. */
      readonly agreedAtHeight: bigint
    }
  | { readonly accepted: false; readonly refusal: OfferErrorType }

/** Two detail fields of a refusal, by code (so the taker rebuilds the same typed error). */
function refusalDetails(r: OfferErrorType): [Uint8Array, Uint8Array] {
  switch (r.code) {
    case 'TAKER_LACKS_BALANCE':
    case 'OFFER_MAKER_LACKS_BALANCE':
      return [bigintToBytes(r.need), bigintToBytes(r.have)]
    case 'TAKE_WRONG_PEER':
      return [enc.encode(r.expected), enc.encode(r.got)]
    case 'TAKE_BUSY':
      return [bigintToBytes(BigInt(r.pending)), new Uint8Array(0)]
    case 'OFFER_MALFORMED':
    case 'TAKE_BAD_SIGNATURE':
      return [enc.encode(r.reason.slice(0, 120)), new Uint8Array(0)]
    default:
      return [new Uint8Array(0), new Uint8Array(0)]
  }
}

export function encodeTakeAnswer(a: TakeAnswer): Uint8Array {
  if (a.accepted)
    return rlpEncode([
      bigintToBytes(VERSION),
      bigintToBytes(0n),
      fromHex(a.offerId),
      fromHex(a.hashlock),
      bigintToBytes(a.agreedAtHeight),
    ])
  return rlpEncode([
    bigintToBytes(VERSION),
    bigintToBytes(1n),
    enc.encode(a.refusal.code),
    ...refusalDetails(a.refusal),
  ])
}

const isRefusalCode = (code: string): code is TakeRefusalCode =>
  (TAKE_REFUSAL_CODES as readonly string[]).includes(code)

/**
 * Decodes the maker's answer to a take for `offerId`. A refusal code outside `TAKE_REFUSAL_CODES`
 * becomes `TAKE_REFUSED`. Throws `OfferError` `OFFER_MALFORMED`.
 */
export function decodeTakeAnswer(data: Uint8Array, offerId: Hex): TakeAnswer {
  const item = list(decodeRlp(data, MAX_TAKE_BYTES), 'answer', 5)
  version(item[0])
  const status = uint(item[1], 'status', 1)
  if (status === 0n)
    return {
      accepted: true,
      offerId: hex32(item[2], 'offerId'),
      hashlock: hex32(item[3], 'hashlock'),
      agreedAtHeight: uint(item[4], 'agreedAtHeight', 8),
    }
  if (status !== 1n) return malformed('unknown answer status')
  const code = text(item[2], 'code', 64)
  const a = item[3]
  const b = item[4]
  const refusal = ((): OfferErrorType => {
    if (!isRefusalCode(code)) return { code: 'TAKE_REFUSED', reason: code }
    switch (code) {
      case 'TAKER_LACKS_BALANCE':
      case 'OFFER_MAKER_LACKS_BALANCE':
        return { code, need: uint(a, 'need', 32), have: uint(b, 'have', 32) }
      case 'TAKE_WRONG_PEER':
        return { code, expected: text(a, 'expected', 128), got: text(b, 'got', 128) }
      case 'OFFER_MALFORMED':
      case 'TAKE_BAD_SIGNATURE':
        unused(b, 'detail')
        return { code, reason: text(a, 'reason', 128) }
      case 'TAKE_BUSY':
        unused(b, 'detail')
        return { code, pending: Number(uint(a, 'pending', 4)) }
      case 'TAKE_SELF':
        unused(a, 'detail')
        unused(b, 'detail')
        return { code }
      default:
        unused(a, 'detail')
        unused(b, 'detail')
        return { code, offerId }
    }
  })()
  return { accepted: false, refusal }
}

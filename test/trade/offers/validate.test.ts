import { type Hex, hashTypedData, recoverTypedDataAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { OfferError } from '../../../src/trade/offers/errors'
import {
  MAX_TIMELOCK_BLOCKS,
  minTakerTimelock,
  requiredMakerTimelock,
  timelockViolation,
} from '../../../src/trade/offers/timelock'
import {
  cancelTypedData,
  offerId,
  offerTypedData,
  randomSalt,
  takeTypedData,
} from '../../../src/trade/offers/typed-data'
import {
  MAX_OFFER_LIFETIME_S,
  validateOffer,
  verifyCancel,
  verifyTake,
} from '../../../src/trade/offers/validate'
import { REDEEM_MARGIN_BLOCKS, TIMELOCK_MARGIN_BLOCKS } from '../../../src/trade/swap/terms'
import {
  ALICE,
  BOB,
  highS,
  lower,
  makeOffer,
  NOW_MS,
  NOW_S,
  signCancel,
  signOffer,
  signTake,
  TOKEN_A,
} from './fixtures'

const CHAIN = 31416
const K = 3
const RULES = { chainId: CHAIN, confirmations: K }

describe('offer signature and id', () => {
  test('a signed offer validates; its id is its EIP-712 hash and differs per chain and per salt', async () => {
    const offer = makeOffer(ALICE)
    const signed = await signOffer(ALICE, CHAIN, offer)
    expect(await validateOffer(signed, RULES, NOW_MS)).toBe(offerId(CHAIN, offer))
    expect(
      await recoverTypedDataAddress({ ...offerTypedData(CHAIN, offer), signature: signed.signature }),
    ).toBe(ALICE.address)
    expect(offerId(CHAIN + 1, offer)).not.toBe(offerId(CHAIN, offer))
    expect(offerId(CHAIN, { ...offer, salt: randomSalt() })).not.toBe(offerId(CHAIN, offer))
    expect(randomSalt()).toMatch(/^0x[0-9a-f]{64}$/)
  })

  test.each([
    ['signed by another key', async () => signOffer(BOB, CHAIN, makeOffer(ALICE))],
    [
      'a field changed after signing',
      async () => {
        const s = await signOffer(ALICE, CHAIN, makeOffer(ALICE))
        return { ...s, offer: { ...s.offer, buyAmount: 1n } }
      },
    ],
    [
      'signed for another chain (domain), sent with ours',
      async () => ({ ...(await signOffer(ALICE, CHAIN + 1, makeOffer(ALICE))), chainId: CHAIN }),
    ],
    [
      'high s (EIP-2)',
      async () => {
        const s = await signOffer(ALICE, CHAIN, makeOffer(ALICE))
        return { ...s, signature: highS(s.signature) }
      },
    ],
    [
      'all-zero signature',
      async () => ({
        ...(await signOffer(ALICE, CHAIN, makeOffer(ALICE))),
        signature: `0x${'00'.repeat(65)}` as const,
      }),
    ],
    [
      'short signature',
      async () => ({ ...(await signOffer(ALICE, CHAIN, makeOffer(ALICE))), signature: '0x1234' as const }),
    ],
  ])('refused: %s → OFFER_BAD_SIGNATURE', async (_name, build) => {
    await expect(validateOffer(await build(), RULES, NOW_MS)).rejects.toMatchObject({
      type: { code: 'OFFER_BAD_SIGNATURE' },
    })
  })

  test('the high-s twin really recovers to the maker (so only the EIP-2 check refuses it)', async () => {
    const s = await signOffer(ALICE, CHAIN, makeOffer(ALICE))
    const twin = highS(s.signature)
    expect(await recoverTypedDataAddress({ ...offerTypedData(CHAIN, s.offer), signature: twin })).toBe(
      ALICE.address,
    )
  })

  test('the EIP-2 bound is exact: s = n/2 passes the form check (then recovers no maker), n/2 + 1 does not', async () => {
    // secp256k1's group order halved (rounded down): the largest s EIP-2 allows.
    const halfN = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n / 2n
    const signed = await signOffer(ALICE, CHAIN, makeOffer(ALICE))
    const withS = (s: bigint) => ({
      ...signed,
      signature:
        `${signed.signature.slice(0, 66)}${s.toString(16).padStart(64, '0')}${signed.signature.slice(130)}` as Hex,
    })
    const reason = (s: bigint) =>
      validateOffer(withS(s), RULES, NOW_MS).then(
        () => 'accepted',
        (err: unknown) => (err instanceof OfferError ? err.type : err),
      )
    expect(await reason(halfN + 1n)).toEqual({
      code: 'OFFER_BAD_SIGNATURE',
      reason: 's must be in [1, n/2] (EIP-2)',
    })
    expect(await reason(halfN)).not.toEqual({
      code: 'OFFER_BAD_SIGNATURE',
      reason: 's must be in [1, n/2] (EIP-2)',
    })
    expect(await reason(halfN)).toMatchObject({ code: 'OFFER_BAD_SIGNATURE' })
  })
})

/** `signature` with its last byte (v) replaced. */
const withV = (signature: Hex, v: number): Hex =>
  `${signature.slice(0, 130)}${v.toString(16).padStart(2, '0')}` as Hex
/** v 27 ↔ 28: the other recovery id, which recovers another key. */
const flipV = (signature: Hex): Hex => withV(signature, signature.endsWith('1b') ? 28 : 27)
/** The same recovery id written as a y parity (0 / 1) instead of 27 / 28: recovers the signer, but not allowed. */
const parityV = (signature: Hex): Hex => withV(signature, Number.parseInt(signature.slice(130), 16) - 27)

describe('signatures with a wrong recovery id or over the wrong pre-hash', () => {
  const offer = makeOffer(ALICE)
  const id = offerId(CHAIN, offer)
  const take = { offerId: id, taker: lower(BOB), takerPeer: 'B' }

  /** Variants of a valid signature `good` by `signer` over the typed data `typed`; `other` is another message's. */
  async function forgeries(
    signer: typeof ALICE,
    good: Hex,
    typed: Parameters<typeof hashTypedData>[0],
    other: Parameters<typeof hashTypedData>[0],
  ): Promise<[string, Hex][]> {
    const v = Number.parseInt(good.slice(130), 16)
    return [
      ['v flipped', flipV(good)],
      ['v as a y parity (0 / 1)', parityV(good)],
      ...[0, 1, 2, 26, 29, 35, 36, 255]
        .filter((x) => x !== v - 27)
        .map((x): [string, Hex] => [`v = ${x}`, withV(good, x)]),
      ['the typed-data hash of another message', await signer.sign({ hash: hashTypedData(other) })],
      [
        'personal_sign of the typed-data hash',
        await signer.signMessage({ message: { raw: hashTypedData(typed) } }),
      ],
    ]
  }

  /** Each case's name and the code it was refused with ('accepted' when it was not). */
  const outcomes = (cases: [string, Hex][], check: (signature: Hex) => Promise<unknown>) =>
    Promise.all(
      cases.map(async ([name, signature]) => [
        name,
        await check(signature).then(
          () => 'accepted',
          (err: unknown) => (err instanceof OfferError ? err.type.code : err),
        ),
      ]),
    )

  test('the unaltered signatures are accepted and their y-parity twins really recover the signer', async () => {
    const signed = await signOffer(ALICE, CHAIN, offer)
    await expect(validateOffer(signed, RULES, NOW_MS)).resolves.toBe(id)
    expect(
      await recoverTypedDataAddress({
        ...offerTypedData(CHAIN, offer),
        signature: parityV(signed.signature),
      }),
    ).toBe(ALICE.address)
    await expect(verifyCancel(signed, id, await signCancel(ALICE, CHAIN, offer))).resolves.toBeUndefined()
    await expect(verifyTake(CHAIN, await signTake(BOB, CHAIN, take))).resolves.toBeUndefined()
  })

  test('an offer → OFFER_BAD_SIGNATURE', async () => {
    const signed = await signOffer(ALICE, CHAIN, offer)
    const other = offerTypedData(CHAIN, makeOffer(ALICE, { salt: `0x${'22'.repeat(32)}` }))
    const cases = await forgeries(ALICE, signed.signature, offerTypedData(CHAIN, offer), other)
    expect(
      await outcomes(cases, (signature) => validateOffer({ ...signed, signature }, RULES, NOW_MS)),
    ).toEqual(cases.map(([name]) => [name, 'OFFER_BAD_SIGNATURE']))
  })

  test('a cancel → CANCEL_BAD_SIGNATURE (the offer’s own signature, replayed as a cancel, too)', async () => {
    const signed = await signOffer(ALICE, CHAIN, offer)
    const cancel = await signCancel(ALICE, CHAIN, offer)
    const cases = await forgeries(
      ALICE,
      cancel.signature,
      cancelTypedData(CHAIN, id),
      offerTypedData(CHAIN, offer),
    )
    expect(cases.find(([name]) => name.startsWith('the typed-data hash'))?.[1]).toBe(signed.signature)
    expect(
      await outcomes(cases, (signature) => verifyCancel(signed, id, { offerId: id, signature })),
    ).toEqual(cases.map(([name]) => [name, 'CANCEL_BAD_SIGNATURE']))
  })

  test('a take → TAKE_BAD_SIGNATURE', async () => {
    const signed = await signTake(BOB, CHAIN, take)
    const other = takeTypedData(CHAIN, { ...take, takerPeer: 'C' })
    const cases = await forgeries(BOB, signed.signature, takeTypedData(CHAIN, take), other)
    expect(await outcomes(cases, (signature) => verifyTake(CHAIN, { ...signed, signature }))).toEqual(
      cases.map(([name]) => [name, 'TAKE_BAD_SIGNATURE']),
    )
  })
})

describe('offer fields', () => {
  // Field checks run before the signature's: the fields are changed after signing.
  const refused = async (overrides: Parameters<typeof makeOffer>[1], chainId = CHAIN) => {
    const s = await signOffer(ALICE, CHAIN, makeOffer(ALICE))
    return validateOffer({ ...s, chainId, offer: { ...s.offer, ...overrides } }, RULES, NOW_MS)
  }
  const accepted = async (overrides: Parameters<typeof makeOffer>[1]) =>
    validateOffer(await signOffer(ALICE, CHAIN, makeOffer(ALICE, overrides)), RULES, NOW_MS)

  test('another chain id on the envelope → OFFER_WRONG_CHAIN, before any signature work', async () => {
    await expect(refused({}, 1)).rejects.toMatchObject({
      type: { code: 'OFFER_WRONG_CHAIN', expected: CHAIN, got: 1 },
    })
  })

  test.each([
    [{ expiresAt: NOW_S }, 'OFFER_EXPIRED'],
    [{ expiresAt: NOW_S - 1n }, 'OFFER_EXPIRED'],
    [{ expiresAt: NOW_S + MAX_OFFER_LIFETIME_S + 1n }, 'OFFER_EXPIRY_TOO_FAR'],
    [{ sellAmount: 0n }, 'OFFER_ZERO_AMOUNT'],
    [{ buyAmount: 0n }, 'OFFER_ZERO_AMOUNT'],
    [{ sellAmount: 2n ** 256n }, 'OFFER_MALFORMED'],
    [{ buyToken: TOKEN_A }, 'OFFER_SAME_TOKEN'],
    [{ makerPeer: '' }, 'OFFER_MALFORMED'],
    [{ makerPeer: 'a b' }, 'OFFER_MALFORMED'],
    [{ makerPeer: 'p'.repeat(129) }, 'OFFER_MALFORMED'],
    [{ salt: '0x1234' }, 'OFFER_MALFORMED'],
    [{ maker: ALICE.address }, 'OFFER_MALFORMED'],
    [{ makerTimelock: 30, takerTimelock: 12 }, 'OFFER_TIMELOCK_RULE'],
    [{ makerTimelock: 100, takerTimelock: minTakerTimelock(K) - 1 }, 'OFFER_TIMELOCK_OUT_OF_RANGE'],
    [{ makerTimelock: MAX_TIMELOCK_BLOCKS + 1, takerTimelock: 10 }, 'OFFER_TIMELOCK_OUT_OF_RANGE'],
    [{ makerTimelock: 40, takerTimelock: 12.5 }, 'OFFER_TIMELOCK_OUT_OF_RANGE'],
  ] as const)('%o → %s', async (overrides, code) => {
    await expect(refused(overrides)).rejects.toMatchObject({ type: { code } })
  })

  test('an offer one second from expiry and one at the longest lifetime are fine', async () => {
    await expect(accepted({ expiresAt: NOW_S + 1n })).resolves.toMatch(/^0x/)
    await expect(accepted({ expiresAt: NOW_S + MAX_OFFER_LIFETIME_S })).resolves.toMatch(/^0x/)
  })
})

describe('timelock rule: maker ≥ 2 × taker + k + margin, taker ≥ 2k + redeem margin + 1', () => {
  test('the boundary: exactly the required maker timelock passes, one block less is refused', () => {
    for (const k of [1, 3, 12])
      for (const taker of [minTakerTimelock(k), minTakerTimelock(k) + 7, 100, 1000]) {
        const required = 2 * taker + k + Number(TIMELOCK_MARGIN_BLOCKS)
        expect(requiredMakerTimelock(taker, k)).toBe(required)
        expect(timelockViolation(required, taker, k)).toBeNull()
        expect(timelockViolation(required - 1, taker, k)).toEqual({
          code: 'OFFER_TIMELOCK_RULE',
          maker: required - 1,
          taker,
          required,
        })
      }
  })

  test('the taker minimum: 2k + 4 blocks on the devnet (k = 3: 10)', () => {
    expect(minTakerTimelock(3)).toBe(2 * 3 + Number(REDEEM_MARGIN_BLOCKS) + 1)
    expect(timelockViolation(100, 10, 3)).toBeNull()
    expect(timelockViolation(100, 9, 3)).toMatchObject({
      code: 'OFFER_TIMELOCK_OUT_OF_RANGE',
      side: 'taker',
      min: 10,
    })
  })

  test('equal timelocks, a maker shorter than the taker, and nonsense values are refused', () => {
    expect(timelockViolation(12, 12, K)?.code).toBe('OFFER_TIMELOCK_RULE')
    expect(timelockViolation(10, 12, K)?.code).toBe('OFFER_TIMELOCK_RULE')
    expect(timelockViolation(0, 0, K)?.code).toBe('OFFER_TIMELOCK_OUT_OF_RANGE')
    expect(timelockViolation(-1, 10, K)?.code).toBe('OFFER_TIMELOCK_RULE')
    expect(timelockViolation(Number.NaN, 10, K)?.code).toBe('OFFER_TIMELOCK_OUT_OF_RANGE')
    expect(timelockViolation(100, Number.POSITIVE_INFINITY, K)?.code).toBe('OFFER_TIMELOCK_OUT_OF_RANGE')
    expect(timelockViolation(MAX_TIMELOCK_BLOCKS + 1, 12, K)).toMatchObject({ side: 'maker' })
  })
})

describe('cancellation and take signatures', () => {
  test('the maker cancels its offer; another key, or a cancel of another offer, is refused', async () => {
    const offer = makeOffer(ALICE)
    const signed = await signOffer(ALICE, CHAIN, offer)
    const id = offerId(CHAIN, offer)
    await expect(verifyCancel(signed, id, await signCancel(ALICE, CHAIN, offer))).resolves.toBeUndefined()
    await expect(verifyCancel(signed, id, await signCancel(BOB, CHAIN, offer))).rejects.toMatchObject({
      type: { code: 'CANCEL_BAD_SIGNATURE' },
    })
    const other = await signCancel(ALICE, CHAIN, makeOffer(ALICE, { buyAmount: 51n }))
    await expect(verifyCancel(signed, id, other)).rejects.toMatchObject({
      type: { code: 'CANCEL_BAD_SIGNATURE' },
    })
    // Signed for another chain: the domain differs, so it does not recover to the maker.
    const foreign = await signCancel(ALICE, CHAIN + 1, offer)
    await expect(
      verifyCancel(signed, id, { offerId: id, signature: foreign.signature }),
    ).rejects.toMatchObject({
      type: { code: 'CANCEL_BAD_SIGNATURE' },
    })
  })

  test('a take verifies for its taker only, on its chain only', async () => {
    const take = { offerId: offerId(CHAIN, makeOffer(ALICE)), taker: lower(BOB), takerPeer: 'B' }
    await expect(verifyTake(CHAIN, await signTake(BOB, CHAIN, take))).resolves.toBeUndefined()
    await expect(verifyTake(CHAIN, await signTake(ALICE, CHAIN, take))).rejects.toMatchObject({
      type: { code: 'TAKE_BAD_SIGNATURE' },
    })
    await expect(verifyTake(CHAIN, await signTake(BOB, CHAIN + 1, take))).rejects.toMatchObject({
      type: { code: 'TAKE_BAD_SIGNATURE' },
    })
    const signed = await signTake(BOB, CHAIN, take)
    await expect(verifyTake(CHAIN, { ...signed, take: { ...take, takerPeer: '' } })).rejects.toMatchObject({
      type: { code: 'OFFER_MALFORMED' },
    })
    // The taker's address in its checksummed form, though the signature recovers to it, is not the wire form.
    await expect(
      verifyTake(CHAIN, { ...signed, take: { ...take, taker: BOB.address } }),
    ).rejects.toMatchObject({
      type: { code: 'OFFER_MALFORMED' },
    })
    await expect(
      verifyTake(CHAIN, { ...signed, take: { ...take, offerId: '0x1234' } }),
    ).rejects.toMatchObject({
      type: { code: 'OFFER_MALFORMED' },
    })
  })
})

import { type Hex, keccak256, serializeTransaction, toHex as viemToHex } from 'viem'
import { sign } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  checkTxState,
  decodeTx,
  decodeTxBytes,
  effectiveGasPrice,
  intrinsicGas,
  parseTx,
  recoverTx,
  txSigningHash,
} from '../../../src/node/chain/tx'
import { TxError, type TxErrorType } from '../../../src/node/chain/tx-error'
import type { Tx } from '../../../src/node/chain/types'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { type RlpItem, rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'
import { ADDR0, ADDR1, ETHER, GWEI, KEY0, KEY1, PARAMS, signTx, signWith } from './tx-fixtures'

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

function codeOf(fn: () => unknown): TxErrorType['code'] {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(TxError)
    return (err as TxError).type.code
  }
  throw new Error('expected a TxError')
}

/** Re-encodes the RLP list of a type-2 tx after `edit` changes its items. */
function reencode(raw: Hex, edit: (items: RlpItem[]) => RlpItem[]): Hex {
  const items = rlpDecode(fromHex(raw).subarray(1)) as RlpItem[]
  return toHex(new Uint8Array([2, ...rlpEncode(edit([...items]))]))
}

describe('decodeTx / recoverTx', () => {
  it('round-trips a viem-signed transaction (golden vector)', async () => {
    const raw = await signTx({ to: ADDR1, value: ETHER, nonce: 7, data: '0xdeadbeef', gas: 30_000n })
    // RFC 6979 signatures are deterministic: this exact encoding must never change.
    expect(raw).toBe(
      '0x02f878827ab807843b9aca0084773594008275309470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a7640000' +
        '84deadbeefc080a04ddeb598418c380262d6efdab8d4340567e3c4aee6e078dd321da82f737ac908a0411ecd7758417809910095' +
        'ccaffe823b428e34eeb5570a17566988bdf7f910f3',
    )
    const tx = parseTx(raw, PARAMS)
    expect(tx).toEqual({
      hash: keccak256(raw),
      raw,
      from: ADDR0,
      chainId: PARAMS.chainId,
      nonce: 7n,
      maxPriorityFeePerGas: GWEI,
      maxFeePerGas: 2n * GWEI,
      gas: 30_000n,
      to: ADDR1,
      value: ETHER,
      data: '0xdeadbeef',
    })
  })

  it('recovers each signer', async () => {
    expect(parseTx(await signTx({ to: ADDR0 }, KEY1), PARAMS).from).toBe(ADDR1)
  })

  it('rejects oversized input before parsing it', () => {
    const raw = `0x02${'zz'.repeat(PARAMS.maxTxBytes)}` as Hex
    expect(codeOf(() => decodeTx(raw, PARAMS))).toBe('TX_TOO_LARGE')
  })

  it('takes a transaction of exactly the size bound, as a hex string or as bytes, and refuses one byte more', async () => {
    // Zero calldata padded so the signed transaction is exactly `maxTxBytes` long.
    const sized = async (bytes: number): Promise<Hex> => {
      const raw = (len: number) =>
        signTx({ to: ADDR1, data: `0x${'00'.repeat(len)}`, gas: 21_000n + 4n * BigInt(len) })
      // The RLP length prefixes grow with the data: settle the padding in a few rounds.
      let len = bytes
      let tx = await raw(len)
      for (let i = 0; i < 4 && tx.length / 2 - 1 !== bytes; i++) {
        len -= tx.length / 2 - 1 - bytes
        tx = await raw(len)
      }
      expect(tx.length / 2 - 1).toBe(bytes)
      return tx
    }
    const max = PARAMS.maxTxBytes
    const exact = await sized(max)
    expect(decodeTx(exact, PARAMS).hash).toBe(keccak256(exact))
    expect(decodeTxBytes(fromHex(exact), exact, PARAMS).hash).toBe(keccak256(exact))
    const tooLong = await sized(max + 1)
    expect(codeOf(() => decodeTx(tooLong, PARAMS))).toBe('TX_TOO_LARGE')
    expect(codeOf(() => decodeTxBytes(fromHex(tooLong), tooLong, PARAMS))).toBe('TX_TOO_LARGE')
  })

  it('rejects legacy and unknown types', async () => {
    const legacy = await (await import('viem/accounts')).privateKeyToAccount(KEY0).signTransaction({
      type: 'legacy',
      chainId: PARAMS.chainId,
      nonce: 0,
      gas: 21_000n,
      gasPrice: GWEI,
      to: ADDR1,
    })
    expect(codeOf(() => decodeTx(legacy, PARAMS))).toBe('TX_TYPE_UNSUPPORTED')
    expect(codeOf(() => decodeTx('0x01c0', PARAMS))).toBe('TX_TYPE_UNSUPPORTED')
  })

  it('rejects malformed encodings', async () => {
    const raw = await signTx({ to: ADDR1 })
    const cases: Hex[] = [
      '0x',
      '0x02',
      '0x0',
      `${raw}00` as Hex,
      raw.slice(0, -2) as Hex,
      // A nonce with a leading zero byte (non-minimal integer).
      reencode(raw, (it) => {
        it[1] = new Uint8Array([0, 1])
        return it
      }),
      // Eleven fields.
      reencode(raw, (it) => it.slice(0, 11)),
      // Thirteen: the signature still recovers, but the bytes (so the hash) are another transaction's.
      reencode(raw, (it) => [...it, new Uint8Array([1])]),
      // Nonce 2^64 - 1, which EIP-2681 reserves: no account can ever use it.
      reencode(raw, (it) => {
        it[1] = fromHex(viemToHex(2n ** 64n - 1n))
        return it
      }),
      // yParity 2.
      reencode(raw, (it) => {
        it[9] = new Uint8Array([2])
        return it
      }),
      // `to` of 19 bytes.
      reencode(raw, (it) => {
        it[5] = new Uint8Array(19).fill(1)
        return it
      }),
      // The empty access list as an empty byte string (0x80) instead of an empty list.
      reencode(raw, (it) => {
        it[8] = new Uint8Array(0)
        return it
      }),
      // s with a leading zero byte: the same number in another encoding, so another hash.
      reencode(raw, (it) => {
        it[11] = new Uint8Array([0, 1])
        return it
      }),
      // A list where a byte string belongs.
      reencode(raw, (it) => {
        it[7] = []
        return it
      }),
      // r of 33 bytes (no leading zero, so canonical): no secp256k1 scalar is that long.
      reencode(raw, (it) => {
        it[10] = new Uint8Array(33).fill(1)
        return it
      }),
      // Gas of 2^64: out of the u64 range, malformed before any gas rule.
      reencode(raw, (it) => {
        it[4] = fromHex(viemToHex(2n ** 64n, { size: 9 }))
        return it
      }),
    ]
    // The empty access list in long form (0xf800), and the outer length with a leading zero byte.
    const len = Number.parseInt(raw.slice(6, 8), 16)
    const tail = raw.slice(8)
    const longAccessList = tail.replace(/c0(80|01)a0/, 'f800$1a0')
    expect(longAccessList).not.toBe(tail)
    cases.push(`0x02f8${(len + 1).toString(16)}${longAccessList}` as Hex)
    cases.push(`0x02f900${len.toString(16)}${tail}` as Hex)
    for (const c of cases)
      expect(
        codeOf(() => decodeTx(c, PARAMS)),
        c.slice(0, 20),
      ).toBe('TX_MALFORMED')
    // The highest usable nonce decodes.
    const lastNonce = reencode(raw, (it) => {
      it[1] = fromHex(viemToHex(2n ** 64n - 2n))
      return it
    })
    expect(decodeTx(lastNonce, PARAMS).nonce).toBe(2n ** 64n - 2n)
  })

  it('refuses contract deployment with a clear message', async () => {
    const raw = await signTx({})
    try {
      decodeTx(raw, PARAMS)
      throw new Error('accepted')
    } catch (err) {
      expect((err as TxError).type.code).toBe('TX_CONTRACT_CREATION')
      expect((err as TxError).message).toBe('contract deployment is not supported')
    }
  })

  it('refuses access lists', async () => {
    const raw = await signTx({ to: ADDR1, accessList: [{ address: ADDR1, storageKeys: [] }] })
    expect(codeOf(() => decodeTx(raw, PARAMS))).toBe('TX_ACCESS_LIST_UNSUPPORTED')
  })

  it('refuses another chain id (EIP-155)', async () => {
    const raw = await signTx({ to: ADDR1, chainId: 1 })
    const err = (() => {
      try {
        decodeTx(raw, PARAMS)
      } catch (e) {
        return e as TxError
      }
      throw new Error('accepted')
    })()
    expect(err.type).toEqual({ code: 'TX_WRONG_CHAIN', expected: PARAMS.chainId, got: 1n })
  })

  it('refuses high-s (EIP-2), zero and out-of-range signatures', async () => {
    const high = await signWith({ to: ADDR1 }, (s) => ({
      r: s.r,
      s: viemToHex(N - BigInt(s.s), { size: 32 }),
      yParity: 1 - s.yParity,
    }))
    expect(codeOf(() => decodeTx(high, PARAMS))).toBe('TX_HIGH_S')
    const zero = await signWith({ to: ADDR1 }, () => ({ r: '0x0', s: '0x0', yParity: 0 }))
    expect(codeOf(() => decodeTx(zero, PARAMS))).toBe('TX_BAD_SIGNATURE')
    const bigR = await signWith({ to: ADDR1 }, (s) => ({ ...s, r: viemToHex(N, { size: 32 }) }))
    expect(codeOf(() => decodeTx(bigR, PARAMS))).toBe('TX_BAD_SIGNATURE')
  })

  it('a wrong recovery id or a signature over another message yields another sender, never ours', async () => {
    const flipped = await signWith({ to: ADDR1 }, (s) => ({ ...s, yParity: 1 - s.yParity }))
    let from: string | undefined
    try {
      from = parseTx(flipped, PARAMS).from
    } catch (err) {
      expect((err as TxError).type.code).toBe('TX_BAD_SIGNATURE')
    }
    expect(from).not.toBe(ADDR0)
    const other = await signTx({ to: ADDR1, nonce: 1 })
    const forged = reencode(other, (it) => {
      it[1] = new Uint8Array([2])
      return it
    })
    expect(() => {
      if (parseTx(forged, PARAMS).from === ADDR0) throw new Error('forged')
    }).not.toThrow('forged')
  })

  it('a signature over the wrong pre-hash (no type byte) recovers someone else', async () => {
    const fields = {
      type: 'eip1559',
      chainId: PARAMS.chainId,
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: 2n * GWEI,
      maxPriorityFeePerGas: GWEI,
      to: ADDR1,
    } as const
    const unsigned = serializeTransaction(fields)
    const sig = await sign({ hash: keccak256(`0x${unsigned.slice(4)}`), privateKey: KEY0 })
    const raw = serializeTransaction(fields, { r: sig.r, s: sig.s, yParity: sig.yParity ?? 0 })
    let from: string | undefined
    try {
      from = parseTx(raw, PARAMS).from
    } catch (err) {
      expect((err as TxError).type.code).toBe('TX_BAD_SIGNATURE')
    }
    expect(from).not.toBe(ADDR0)
  })

  it('applies the static gas and fee rules', async () => {
    expect(codeOf(() => decodeTx(serializeTransactionLike({ gas: PARAMS.blockGasLimit + 1n }), PARAMS))).toBe(
      'TX_GAS_LIMIT_EXCEEDED',
    )
    const low = await signTx({ to: ADDR1, data: '0x01', gas: 21_000n })
    expect(codeOf(() => decodeTx(low, PARAMS))).toBe('TX_INTRINSIC_GAS_TOO_LOW')
    // Two zero bytes at 4 and two others at 16: exactly enough gas decodes, one less does not.
    const exact = 21_000n + 4n * 2n + 16n * 2n
    const data: Hex = '0x0001ff00'
    expect(decodeTx(await signTx({ to: ADDR1, data, gas: exact }), PARAMS).gas).toBe(exact)
    const short = await signTx({ to: ADDR1, data, gas: exact - 1n })
    expect(codeOf(() => decodeTx(short, PARAMS))).toBe('TX_INTRINSIC_GAS_TOO_LOW')
    const tip = reencode(await signTx({ to: ADDR1 }), (it) => {
      it[2] = fromHex(viemToHex(3n * GWEI))
      return it
    })
    expect(codeOf(() => decodeTx(tip, PARAMS))).toBe('TX_TIP_ABOVE_FEE_CAP')
    // The bounds themselves pass: gas equal to the block gas limit, a tip equal to the fee cap.
    const atLimit = serializeTransactionLike({ gas: PARAMS.blockGasLimit })
    expect(decodeTx(atLimit, PARAMS).gas).toBe(PARAMS.blockGasLimit)
    const tipAtCap = reencode(await signTx({ to: ADDR1 }), (it) => {
      it[2] = fromHex(viemToHex(2n * GWEI))
      return it
    })
    expect(decodeTx(tipAtCap, PARAMS).maxPriorityFeePerGas).toBe(2n * GWEI)
  })

  it('signing hash over the fields as they arrived equals the hash of the re-serialised unsigned tx', async () => {
    const cases = [
      { to: ADDR1 },
      { to: ADDR1, value: ETHER, nonce: 7, data: '0x' as Hex },
      // Calldata long enough for a long-form list header (> 55 bytes of fields).
      { to: ADDR1, data: `0x${'ab'.repeat(300)}` as Hex, gas: 100_000n },
    ]
    for (const fields of cases) {
      const raw = await signTx(fields)
      const d = decodeTx(raw, PARAMS)
      const unsigned = serializeTransaction({
        type: 'eip1559',
        chainId: d.chainId,
        nonce: Number(d.nonce),
        gas: d.gas,
        maxFeePerGas: d.maxFeePerGas,
        maxPriorityFeePerGas: d.maxPriorityFeePerGas,
        to: d.to,
        value: d.value,
        data: d.data,
      })
      expect(toHex(txSigningHash(d))).toBe(keccak256(unsigned))
      expect(recoverTx(d).from).toBe(ADDR0)
    }
  })

  it('signing hash at the short/long list-header boundary: 55 bytes of signed fields and 56 both recover the signer', async () => {
    const lengths = new Set<number>()
    for (let n = 0; n < 64; n++) {
      const data = `0x${'ab'.repeat(n)}` as Hex
      const d = decodeTx(await signTx({ to: ADDR1, data, gas: 30_000n }), PARAMS)
      const len = d.signedEnd - d.signedStart
      if (len !== 55 && len !== 56) continue
      lengths.add(len)
      expect(recoverTx(d).from).toBe(ADDR0)
    }
    expect([...lengths].sort()).toEqual([55, 56])
  })

  it('takes the signature bounds exactly: s = n/2 and r = n - 1 pass decoding, one more does not', async () => {
    const half = N >> 1n
    const withSig = (r: bigint, s: bigint) =>
      signWith({ to: ADDR1 }, (sig) => ({
        r: viemToHex(r, { size: 32 }),
        s: viemToHex(s, { size: 32 }),
        yParity: sig.yParity,
      }))
    const edge = decodeTx(await withSig(N - 1n, half), PARAMS)
    expect(toHex(edge.r)).toBe(viemToHex(N - 1n))
    expect(toHex(edge.s)).toBe(viemToHex(half))
    // Short integers (leading zero bytes trimmed) compare as the numbers they are.
    const small = decodeTx(await withSig(1n, 1n), PARAMS)
    expect([toHex(small.r), toHex(small.s)]).toEqual(['0x01', '0x01'])
    const highS = await withSig(N - 1n, half + 1n)
    expect(codeOf(() => decodeTx(highS, PARAMS))).toBe('TX_HIGH_S')
    // 31-byte integers are compared as numbers too: 2^248 - 1 is far below n/2.
    const short = decodeTx(await withSig(2n ** 248n - 1n, 2n ** 248n - 1n), PARAMS)
    expect(toHex(short.s)).toBe(viemToHex(2n ** 248n - 1n))
    const rZero = await withSig(0n, 1n)
    expect(codeOf(() => decodeTx(rZero, PARAMS))).toBe('TX_BAD_SIGNATURE')
    // s = 0 is refused by decoding, not left to the costly recovery.
    const sZero = await withSig(1n, 0n)
    expect(codeOf(() => decodeTx(sZero, PARAMS))).toBe('TX_BAD_SIGNATURE')
    const rN = await withSig(N, 1n)
    expect(codeOf(() => decodeTx(rN, PARAMS))).toBe('TX_BAD_SIGNATURE')
    const sN = await withSig(1n, N)
    expect(codeOf(() => decodeTx(sN, PARAMS))).toBe('TX_BAD_SIGNATURE')
  })

  it('decoded is cheap: recovery is a separate step', async () => {
    const raw = await signTx({ to: ADDR1 })
    const d = decodeTx(raw, PARAMS)
    expect('from' in d).toBe(false)
    expect(recoverTx(d).from).toBe(ADDR0)
  })
})

/** Unsigned-but-well-formed tx bytes with a valid-looking signature (for static checks only). */
function serializeTransactionLike(over: { gas: bigint }): Hex {
  return serializeTransaction(
    {
      type: 'eip1559',
      chainId: PARAMS.chainId,
      nonce: 0,
      gas: over.gas,
      maxFeePerGas: 2n * GWEI,
      maxPriorityFeePerGas: GWEI,
      to: ADDR1,
    },
    { r: viemToHex(1n, { size: 32 }), s: viemToHex(1n, { size: 32 }), yParity: 0 },
  )
}

describe('checkTxState', () => {
  const base: Tx = {
    hash: '0x00',
    raw: '0x00',
    from: ADDR0,
    chainId: PARAMS.chainId,
    nonce: 3n,
    maxPriorityFeePerGas: GWEI,
    maxFeePerGas: 3n * GWEI,
    gas: 21_000n,
    to: ADDR1,
    value: 5n,
    data: '0x',
  }
  const rich = { nonce: 3n, balance: ETHER }
  const ctx = { baseFeePerGas: GWEI }

  it('accepts a valid transaction', () => {
    expect(() => checkTxState(base, rich, PARAMS, ctx)).not.toThrow()
  })

  it('refuses each stateful class with details', () => {
    const err = (fn: () => void) => {
      try {
        fn()
      } catch (e) {
        return (e as TxError).type
      }
      throw new Error('accepted')
    }
    expect(err(() => checkTxState(base, { ...rich, nonce: 4n }, PARAMS, ctx))).toEqual({
      code: 'TX_NONCE_TOO_LOW',
      expected: 4n,
      got: 3n,
    })
    expect(err(() => checkTxState(base, { ...rich, nonce: 2n }, PARAMS, ctx))).toEqual({
      code: 'TX_NONCE_TOO_HIGH',
      expected: 2n,
      got: 3n,
    })
    expect(() =>
      checkTxState(base, { ...rich, nonce: 2n }, PARAMS, { ...ctx, allowFutureNonce: true }),
    ).not.toThrow()
    const need = 21_000n * 3n * GWEI + 5n
    expect(err(() => checkTxState(base, { nonce: 3n, balance: need - 1n }, PARAMS, ctx))).toEqual({
      code: 'TX_INSUFFICIENT_FUNDS',
      need,
      have: need - 1n,
    })
    expect(() => checkTxState(base, { nonce: 3n, balance: need }, PARAMS, ctx)).not.toThrow()
    expect(err(() => checkTxState(base, rich, PARAMS, { baseFeePerGas: 4n * GWEI })).code).toBe(
      'TX_FEE_CAP_TOO_LOW',
    )
    // A fee cap equal to the base fee is mineable; one wei below it is not.
    expect(() => checkTxState(base, rich, PARAMS, { baseFeePerGas: 3n * GWEI })).not.toThrow()
    expect(err(() => checkTxState(base, rich, PARAMS, { baseFeePerGas: 3n * GWEI + 1n })).code).toBe(
      'TX_FEE_CAP_TOO_LOW',
    )
    expect(err(() => checkTxState({ ...base, gas: 20_999n }, rich, PARAMS, ctx)).code).toBe(
      'TX_INTRINSIC_GAS_TOO_LOW',
    )
    expect(err(() => checkTxState({ ...base, chainId: 1 }, rich, PARAMS, ctx)).code).toBe('TX_WRONG_CHAIN')
  })

  it('computes intrinsic gas and the effective price as Ethereum', () => {
    expect(intrinsicGas('0x')).toBe(21_000n)
    expect(intrinsicGas('0x0001ff00')).toBe(21_000n + 4n * 2n + 16n * 2n)
    // Unequal counts, so zero and non-zero prices cannot be swapped unnoticed.
    expect(intrinsicGas('0x000000ff')).toBe(21_000n + 4n * 3n + 16n)
    expect(effectiveGasPrice({ maxFeePerGas: 10n, maxPriorityFeePerGas: 3n }, 5n)).toBe(8n)
    expect(effectiveGasPrice({ maxFeePerGas: 10n, maxPriorityFeePerGas: 7n }, 5n)).toBe(10n)
  })
})

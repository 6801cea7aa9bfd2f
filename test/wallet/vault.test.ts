import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  decryptWithKey,
  deriveVaultKey,
  MIN_ITERATIONS,
  openVault,
  sealVault,
  type VaultRecord,
} from '../../src/wallet/vault'

const secret = new TextEncoder().encode(
  '{"mnemonic":"test test test test test test test test test test test junk"}',
)

/** `hex` with bit `bit` flipped. */
function flip(hex: Hex, bit: number): Hex {
  const b = hexToBytes(hex)
  b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7))
  return bytesToHex(b)
}

let record: VaultRecord

describe('vault (PBKDF2-SHA256 + AES-GCM-256, WebCrypto)', () => {
  beforeAll(async () => {
    record = (await sealVault(secret, 'correct horse')).record
  })

  test('round trip; parameters stored with the ciphertext', async () => {
    expect(record.kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: 600_000 })
    expect(hexToBytes(record.kdf.salt)).toHaveLength(16)
    expect(hexToBytes(record.cipher.iv)).toHaveLength(12)
    // The secret is not in the record in any form.
    expect(JSON.stringify(record)).not.toContain(bytesToHex(secret).slice(2, 40))
    const opened = await openVault(record, 'correct horse')
    expect(new TextDecoder().decode(opened.plaintext)).toBe(new TextDecoder().decode(secret))
  })

  test('two seals of the same secret share no salt, IV or ciphertext', async () => {
    const again = (await sealVault(secret, 'correct horse')).record
    expect(again.kdf.salt).not.toBe(record.kdf.salt)
    expect(again.cipher.iv).not.toBe(record.cipher.iv)
    expect(again.ciphertext).not.toBe(record.ciphertext)
  })

  test('a wrong password → "incorrect password"', async () => {
    await expect(openVault(record, 'correct horsE')).rejects.toMatchObject({
      message: 'incorrect password',
      type: { code: 'WALLET_INCORRECT_PASSWORD' },
    })
  })

  test('every single flipped bit of IV, ciphertext or tag is refused, never decrypted', async () => {
    const { key } = await deriveVaultKey('correct horse', record.kdf)
    const fields: (keyof Pick<VaultRecord, 'ciphertext'> | 'iv')[] = ['ciphertext', 'iv']
    let tried = 0
    for (const field of fields) {
      const hex = field === 'iv' ? record.cipher.iv : record.ciphertext
      for (let bit = 0; bit < (hex.length - 2) * 4; bit++) {
        const damaged: VaultRecord =
          field === 'iv'
            ? { ...record, cipher: { ...record.cipher, iv: flip(hex, bit) } }
            : { ...record, ciphertext: flip(hex, bit) }
        await expect(decryptWithKey(damaged, key)).rejects.toMatchObject({
          type: { code: 'WALLET_VAULT_CORRUPT' },
        })
        tried++
      }
    }
    expect(tried).toBe((record.ciphertext.length - 2) * 4 + 96)
  })

  test('a flipped bit reaches openVault as a refusal too (ciphertext, salt, check)', async () => {
    await expect(
      openVault({ ...record, ciphertext: flip(record.ciphertext, 5) }, 'correct horse'),
    ).rejects.toMatchObject({ type: { code: 'WALLET_VAULT_CORRUPT' } })
    await expect(
      openVault({ ...record, kdf: { ...record.kdf, salt: flip(record.kdf.salt, 0) } }, 'correct horse'),
    ).rejects.toMatchObject({ type: { code: 'WALLET_INCORRECT_PASSWORD' } })
    await expect(
      openVault({ ...record, check: flip(record.check, 255) }, 'correct horse'),
    ).rejects.toMatchObject({
      type: { code: 'WALLET_INCORRECT_PASSWORD' },
    })
  })

  test('records below the iteration floor or of unknown shape are refused before any work', async () => {
    await expect(
      openVault({ ...record, kdf: { ...record.kdf, iterations: 1000 } }, 'correct horse'),
    ).rejects.toMatchObject({ type: { code: 'WALLET_VAULT_CORRUPT' } })
    await expect(openVault({} as VaultRecord, 'x')).rejects.toMatchObject({
      type: { code: 'WALLET_VAULT_CORRUPT' },
    })
    await expect(sealVault(secret, 'pw', MIN_ITERATIONS - 1)).rejects.toThrow(RangeError)
    // Each field of the format is checked: another version, KDF hash, salt or check length is
    // "unknown vault format", not a password tried against it.
    const unknown = [
      { ...record, version: 2 },
      { ...record, kdf: { ...record.kdf, hash: 'SHA-512' } },
      { ...record, kdf: { ...record.kdf, salt: record.kdf.salt.slice(0, -2) } },
      { ...record, check: record.check.slice(0, -2) },
    ] as unknown as VaultRecord[]
    for (const r of unknown)
      await expect(openVault(r, 'correct horse')).rejects.toMatchObject({
        type: { code: 'WALLET_VAULT_CORRUPT', reason: 'unknown vault format' },
      })
  })

  test('derives as documented: AES key from the first 256 bits of PBKDF2, check = SHA-256 of the other 256, key not extractable', async () => {
    const kdf = {
      name: 'PBKDF2',
      hash: 'SHA-256',
      iterations: MIN_ITERATIONS,
      salt: `0x${'5a'.repeat(16)}`,
    } as const
    const subtle = globalThis.crypto.subtle
    const base = await subtle.importKey('raw', new TextEncoder().encode('correct horse'), 'PBKDF2', false, [
      'deriveBits',
    ])
    const bits = new Uint8Array(
      await subtle.deriveBits({ ...kdf, salt: new Uint8Array(hexToBytes(kdf.salt)) }, base, 512),
    )
    const { key, check } = await deriveVaultKey('correct horse', kdf)
    expect(check).toBe(bytesToHex(new Uint8Array(await subtle.digest('SHA-256', bits.slice(32)))))
    expect(key.extractable).toBe(false)
    const iv = new Uint8Array(12)
    const sealed = await subtle.encrypt({ name: 'AES-GCM', iv }, key, secret)
    const own = await subtle.importKey('raw', bits.slice(0, 32), 'AES-GCM', false, ['decrypt'])
    expect(new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv }, own, sealed))).toEqual(secret)
  })
})

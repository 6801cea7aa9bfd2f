import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { walletError } from './errors'

/**
 * The encrypted vault: secrets sealed with a key derived from the user's password.
 *
 * PBKDF2-HMAC-SHA256 (≥ 600,000 iterations, random 16-byte salt) derives 512 bits: the first 256 are
 * an AES-GCM-256 key (imported non-extractable), the SHA-256 of the other 256 is stored as `check`.
 * A wrong password fails the check ("incorrect password"); a right password with altered ciphertext,
 * IV or tag fails AES-GCM's authentication ("vault corrupted") — either way nothing is decrypted.
 * Every parameter is stored with the ciphertext, so the iteration count can be raised later and old
 * vaults still open. All crypto is WebCrypto; nothing here is hand-written.
 */

/** The floor for new vaults (OWASP 2023 for PBKDF2-HMAC-SHA256; MetaMask uses 900,000). */
export const MIN_ITERATIONS = 600_000
export const DEFAULT_ITERATIONS = 600_000

export interface VaultRecord {
  readonly version: 1
  readonly kdf: {
    readonly name: 'PBKDF2'
    readonly hash: 'SHA-256'
    readonly iterations: number
    readonly salt: Hex
  }
  readonly cipher: { readonly name: 'AES-GCM'; readonly iv: Hex }
  /** SHA-256 of the second half of the derived bits: tells a wrong password from a damaged vault. */
  readonly check: Hex
  /** AES-GCM output: ciphertext followed by the 16-byte tag. */
  readonly ciphertext: Hex
}

/** A vault opened with the right password: its AES key stays usable (non-extractable) for re-sealing. */
export interface OpenedVault {
  readonly plaintext: Uint8Array
  readonly key: CryptoKey
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle

/** Bytes of a hex string, in a buffer of their own (what WebCrypto's types ask for). */
const bytes = (hex: Hex): Uint8Array<ArrayBuffer> => new Uint8Array(hexToBytes(hex))

function random(bytes: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(bytes))
}

/** PBKDF2 → the AES-GCM key and the password check of a record's parameters. */
export async function deriveVaultKey(
  password: string,
  kdf: VaultRecord['kdf'],
): Promise<{ key: CryptoKey; check: Hex }> {
  const base = await subtle().importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
    'deriveBits',
  ])
  const bits = new Uint8Array(
    await subtle().deriveBits(
      { name: 'PBKDF2', hash: kdf.hash, salt: bytes(kdf.salt), iterations: kdf.iterations },
      base,
      512,
    ),
  )
  try {
    const key = await subtle().importKey('raw', bits.slice(0, 32), { name: 'AES-GCM' }, false, [
      'encrypt',
      'decrypt',
    ])
    const check = bytesToHex(new Uint8Array(await subtle().digest('SHA-256', bits.slice(32))))
    return { key, check }
  } finally {
    bits.fill(0)
  }
}

/** Seals `plaintext` under a new password: fresh salt, IV and key. */
export async function sealVault(
  plaintext: Uint8Array,
  password: string,
  iterations = DEFAULT_ITERATIONS,
): Promise<{ record: VaultRecord; key: CryptoKey }> {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be at least ${MIN_ITERATIONS}`)
  }
  const kdf = { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: bytesToHex(random(16)) } as const
  const { key, check } = await deriveVaultKey(password, kdf)
  return { record: await resealVault({ kdf, check }, key, plaintext), key }
}

/** Seals new `plaintext` with an opened vault's key (same salt and password, fresh IV). */
export async function resealVault(
  base: Pick<VaultRecord, 'kdf' | 'check'>,
  key: CryptoKey,
  plaintext: Uint8Array,
): Promise<VaultRecord> {
  const iv = random(12)
  const ciphertext = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv }, key, plaintext as Uint8Array<ArrayBuffer>),
  )
  return {
    version: 1,
    kdf: base.kdf,
    cipher: { name: 'AES-GCM', iv: bytesToHex(iv) },
    check: base.check,
    ciphertext: bytesToHex(ciphertext),
  }
}

/**
 * Opens a vault with a password. Throws `WALLET_INCORRECT_PASSWORD` or `WALLET_VAULT_CORRUPT`
 * (also for a record of an unknown shape or with parameters below the floor).
 */
export async function openVault(record: VaultRecord, password: string): Promise<OpenedVault> {
  checkRecord(record)
  const { key, check } = await deriveVaultKey(password, record.kdf)
  if (check !== record.check) throw walletError({ code: 'WALLET_INCORRECT_PASSWORD' })
  return { plaintext: await decryptWithKey(record, key), key }
}

/** Decrypts a record with an already derived key; refuses any altered bit of IV, ciphertext or tag. */
export async function decryptWithKey(record: VaultRecord, key: CryptoKey): Promise<Uint8Array> {
  try {
    const iv = bytes(record.cipher.iv)
    if (iv.length !== 12) throw new Error('bad IV length')
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv }, key, bytes(record.ciphertext)))
  } catch {
    throw walletError({ code: 'WALLET_VAULT_CORRUPT', reason: 'authentication failed' })
  }
}

const HEX = /^0x[0-9a-f]*$/

function checkRecord(r: VaultRecord): void {
  const ok =
    typeof r === 'object' &&
    r !== null &&
    r.version === 1 &&
    r.kdf?.name === 'PBKDF2' &&
    r.kdf.hash === 'SHA-256' &&
    Number.isSafeInteger(r.kdf.iterations) &&
    r.kdf.iterations >= MIN_ITERATIONS &&
    HEX.test(r.kdf.salt) &&
    r.kdf.salt.length === 34 &&
    r.cipher?.name === 'AES-GCM' &&
    HEX.test(r.cipher.iv) &&
    HEX.test(r.check) &&
    r.check.length === 66 &&
    HEX.test(r.ciphertext) &&
    r.ciphertext.length % 2 === 0
  if (!ok) throw walletError({ code: 'WALLET_VAULT_CORRUPT', reason: 'unknown vault format' })
}

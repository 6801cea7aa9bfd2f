import { pageStorage, trySave } from '../node/profile/local-record'

const KEY = 'tabchain.mining.'

/**
 * Whether this profile's node mines from its start: `?mine=0` / `?mine=1` for this page load, else the
 * home screen's switch as last set on this profile (`saveMiningChoice`), else on (the devnet default).
 */
export function startsMining(url: URL, profileId: string, storage: Storage = pageStorage()): boolean {
  const param = url.searchParams.get('mine')
  if (param === '0') return false
  if (param === '1') return true
  return storage.getItem(KEY + profileId) !== 'off'
}

/**
 * Remembers the home screen's mining switch for the profile: its node starts so from the next load.
 * The switch works all the same when the browser refuses to save it (`trySave`).
 */
export function saveMiningChoice(profileId: string, on: boolean, storage: Storage = pageStorage()): void {
  trySave(storage, KEY + profileId, on ? 'on' : 'off')
}

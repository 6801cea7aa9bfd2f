import { type ModePin, parseModePin } from '../node/light/mode'
import { pageStorage, trySave } from '../node/profile/local-record'

const KEY = 'tabchain.mode.'

/** The mode this profile is pinned to (the node panel's setting); `auto` when never set. */
export function storedModePin(profileId: string, storage: Storage = pageStorage()): ModePin {
  return parseModePin(storage.getItem(KEY + profileId)) ?? 'auto'
}

/**
 * Remembers the profile's mode pin; the node starts in it from the next page load. False when the
 * browser refused to save it (`trySave`): the next load starts in the pin saved before.
 */
export function saveModePin(profileId: string, pin: ModePin, storage: Storage = pageStorage()): boolean {
  return trySave(storage, KEY + profileId, pin)
}

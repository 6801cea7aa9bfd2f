import { type ModePin, parseModePin } from '../node/light/mode'

const KEY = 'tabchain.mode.'

/** The mode this profile is pinned to (the node panel's setting); `auto` when never set. */
export function storedModePin(profileId: string, storage: Storage = localStorage): ModePin {
  return parseModePin(storage.getItem(KEY + profileId)) ?? 'auto'
}

/** Remembers the profile's mode pin; the node starts in it from the next page load. */
export function saveModePin(profileId: string, pin: ModePin, storage: Storage = localStorage): void {
  storage.setItem(KEY + profileId, pin)
}

import { describe, expect, test } from 'vitest'
import { pinNotSavedNote } from '../../src/ui/home-chain'
import { saveModePin, storedModePin } from '../../src/ui/mode-setting'
import { memoryStorage, refusingStorage } from './memory-storage'

describe("the Mode card's pin", () => {
  test('a pin the browser refuses to save is said on the card: the next load starts in the pin saved before', () => {
    const storage = memoryStorage()
    expect(saveModePin('p', 'light', storage)).toBe(true)
    const full = refusingStorage(storage)
    expect(saveModePin('p', 'full', full)).toBe(false)
    expect(storedModePin('p', full)).toBe('light')
    expect(pinNotSavedNote(storedModePin('p', full))).toBe(
      'This browser did not save this choice (its storage is full or turned off): the next page load will stay light, as before.',
    )
    expect(pinNotSavedNote('auto')).toMatch(
      /the next page load will switch by itself \(light, then full\), as before\.$/,
    )
  })
})

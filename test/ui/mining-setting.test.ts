import { describe, expect, test } from 'vitest'
import { saveMiningChoice, startsMining } from '../../src/ui/mining-setting'
import { memoryStorage, refusingStorage } from './memory-storage'

const page = (query = '') => new URL(`http://127.0.0.1/${query}`)

describe('whether a tab mines from its start', () => {
  test('on by default; the switch turned off holds for the profile at its next load, and on again', () => {
    const storage = memoryStorage()
    expect(startsMining(page(), 'p1', storage)).toBe(true)
    saveMiningChoice('p1', false, storage)
    expect(startsMining(page(), 'p1', storage)).toBe(false)
    // Another profile of the browser keeps its own.
    expect(startsMining(page(), 'p2', storage)).toBe(true)
    saveMiningChoice('p1', true, storage)
    expect(startsMining(page(), 'p1', storage)).toBe(true)
  })

  test('a switch the browser refuses to save (full, turned off) does not throw: the next load starts as saved before', () => {
    const storage = memoryStorage()
    saveMiningChoice('p1', false, storage)
    expect(() => saveMiningChoice('p1', true, refusingStorage(storage))).not.toThrow()
    expect(startsMining(page(), 'p1', storage)).toBe(false)
    // A damaged value: the default, on.
    storage.setItem('tabchain.mining.p2', '{"on":')
    expect(startsMining(page(), 'p2', storage)).toBe(true)
  })

  test('?mine=0 and ?mine=1 decide for that load over the stored switch; another value does not', () => {
    const storage = memoryStorage()
    expect(startsMining(page('?mine=0'), 'p1', storage)).toBe(false)
    saveMiningChoice('p1', false, storage)
    expect(startsMining(page('?mine=1'), 'p1', storage)).toBe(true)
    expect(startsMining(page('?mine=yes'), 'p1', storage)).toBe(false)
  })
})

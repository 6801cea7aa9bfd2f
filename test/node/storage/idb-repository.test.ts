import 'fake-indexeddb/auto'
import { openIdbRepository } from '../../../src/node/storage/idb-repository'
import { runStorageCompliance } from './compliance'

let profiles = 0

runStorageCompliance('IndexedDB (fake-indexeddb)', () => {
  profiles++
  const profileId = `compliance-${profiles}`
  return { open: (options) => openIdbRepository({ profileId, ...options }) }
})

import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { runStorageCompliance } from './compliance'

runStorageCompliance('memory twin', () => {
  const backend = createMemoryBackend()
  return { open: (options) => openMemoryRepository({ backend, ...options }) }
})

import { type ChildProcess, spawn } from 'node:child_process'
import { connect, createServer, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Runs the relay + app server as a child process (as `npm run relay` does) and resolves once it
 * answers `/api/relay`. Used by e2e tests that stop and restart it, and by the app benchmarks.
 */
export async function startRelayProcess(opts: {
  readonly port: number
  readonly wsPort?: number
  /** Folder of the built app; `dist` by default. */
  readonly staticDir?: string
  /** A genesis JSON file for the chain the pages run (`--genesis`); the devnet by default. */
  readonly genesisFile?: string
}): Promise<ChildProcess> {
  const args = ['--port', String(opts.port), '--ws-port', String(opts.wsPort ?? opts.port + 1)]
  if (opts.staticDir !== undefined) args.push('--static', opts.staticDir)
  if (opts.genesisFile !== undefined) args.push('--genesis', opts.genesisFile)
  const child = spawn(
    process.execPath,
    ['--import', './relay/polyfill.mjs', '--import', 'tsx', 'relay/main.ts', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const collect = (d: Buffer): void => {
    output += d.toString()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited: ${output}`)
    const up = await fetch(`http://127.0.0.1:${opts.port}/api/relay`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return child
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGKILL')
  throw new Error(`relay did not answer within 60 s: ${output}`)
}

export async function stopRelayProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** A TCP port free on 127.0.0.1 at the moment of asking. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', ok)
  })
  const address = server.address()
  await new Promise<void>((ok) => server.close(() => ok()))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

/** `startRelayProcess` on free local ports: the server's base URL and its process. */
export async function startRelayOnFreePorts(
  opts: Omit<Parameters<typeof startRelayProcess>[0], 'port' | 'wsPort'> = {},
): Promise<{ readonly baseUrl: string; readonly child: ChildProcess }> {
  const port = await freePort()
  const child = await startRelayProcess({ ...opts, port, wsPort: await freePort() })
  return { baseUrl: `http://127.0.0.1:${port}`, child }
}

/** A relay process out of the pages' reach until `open`; `stop` ends it and its forwarder. */
export interface RelayToComeBack {
  readonly open: () => Promise<void>
  readonly stop: () => Promise<void>
}

/**
 * A relay started ahead of its return: it runs on free ports of its own, and comes back on `port`
 * (where the pages ask where the relay listens) when `open` starts forwarding that port to it. That
 * takes milliseconds; starting a relay process took 7–13 s on a loaded 2-core machine, which ate the
 * wait a tab's retry was timed against (the test then saw the tab's own retry, not the one asked for).
 */
export async function relayToComeBack(port: number): Promise<RelayToComeBack> {
  const { baseUrl, child } = await startRelayOnFreePorts()
  const target = Number(new URL(baseUrl).port)
  const sockets = new Set<Socket>()
  const forward = createServer((client) => {
    const upstream = connect(target, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  return {
    open: () =>
      new Promise<void>((resolve, reject) => {
        forward.once('error', reject)
        forward.listen(port, '127.0.0.1', resolve)
      }),
    async stop(): Promise<void> {
      for (const socket of sockets) socket.destroy()
      if (forward.listening) await new Promise((resolve) => forward.close(resolve))
      await stopRelayProcess(child)
    },
  }
}

import { type ChildProcess, spawn } from 'node:child_process'

/** A relay + app server of its own, for tests that stop and restart it. */
export async function startRelayProcess(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      './relay/polyfill.mjs',
      '--import',
      'tsx',
      'relay/main.ts',
      '--port',
      String(port),
      '--ws-port',
      String(port + 1),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited: ${output}`)
    const up = await fetch(`http://127.0.0.1:${port}/api/relay`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return child
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGKILL')
  throw new Error(`relay did not start: ${output}`)
}

export async function stopRelayProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

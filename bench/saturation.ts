// npm run bench:saturation — why the PGlite benchmark shows second-long tails at 50 connections, with no OneStory code.
//
// A bare Node HTTP server (a child process) spends WORK_MS of CPU on each request, in six steps joined by resolved
// promises (as a handler whose PGlite queries run on the server's own thread). autocannon loads it as `npm run bench`
// does. The server reports how long it spent on each request and when it first heard from each connection; autocannon
// reports what the client saw. When the one thread is saturated, connections are taken up one at a time between
// rounds of work, so the first request on a late connection waits seconds (and may time out), while every request the
// server has taken is answered quickly.

import { spawn } from 'node:child_process'
import autocannon, { type Result } from 'autocannon'

const WORK_MS = Number(process.env.WORK_MS ?? 20)
const DURATION = Number(process.env.BENCH_DURATION ?? 8)

const SERVER = `
const http = require('node:http')
const work = ${WORK_MS}
const served = [], firstHeard = []
let firstConnection = 0
const server = http.createServer(async (request, response) => {
  const started = performance.now()
  const socket = request.socket
  if (!socket.heard) { socket.heard = true; firstHeard.push(started - firstConnection) }
  for (let step = 0; step < 6; step++) { await Promise.resolve(); const end = performance.now() + work / 6; while (performance.now() < end); }
  response.on('finish', () => served.push(performance.now() - started))
  response.end('x'.repeat(30000))
})
server.on('connection', () => { if (!firstConnection) firstConnection = performance.now() })
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('message', () => {
  served.sort((a, b) => a - b)
  process.send({ servedP99: served[Math.floor(served.length * 0.99)] ?? 0, servedMax: served.at(-1) ?? 0, firstHeard })
})
`

type ServerReport = { servedP99: number; servedMax: number; firstHeard: number[] }

async function run(connections: number) {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise<number>(resolve => child.once('message', message => resolve((message as { port: number }).port)))
  const result = await new Promise<Result>((resolve, reject) =>
    autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: DURATION, timeout: 10 }, (error, outcome) => (error ? reject(error) : resolve(outcome))),
  )
  const server = await new Promise<ServerReport>(resolve => {
    child.once('message', message => resolve(message as ServerReport))
    child.send('report', () => {})
  })
  child.kill()
  const heard = server.firstHeard.sort((a, b) => a - b)
  console.log(
    `${connections} connections: ${Math.round(result.requests.average)} req/s; client p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `max ${result.latency.max} ms, timeouts ${result.timeouts}; server time per request p99 ${server.servedP99.toFixed(0)} ms, ` +
      `max ${server.servedMax.toFixed(0)} ms; connections first heard from: ${heard.length} of ${connections}, the last after ${(heard.at(-1) ?? 0).toFixed(0)} ms`,
  )
}

console.log(`A bare Node server spending ${WORK_MS} ms of CPU per request, ${DURATION} s per run:`)
await run(50)
await run(10)

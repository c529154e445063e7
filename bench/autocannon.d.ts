// The small part of autocannon's programmatic API that bench.ts uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export type Options = {
    url: string
    connections?: number
    duration?: number
    headers?: Record<string, string>
    timeout?: number
    /** Requests per second over all connections. */
    overallRate?: number
    /** Requests sent in turn, each with its own path and headers. */
    requests?: { method?: 'GET' | 'POST'; path: string; headers?: Record<string, string> }[]
  }

  export type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p90: number; p97_5: number; p99: number }

  export type Result = {
    requests: Histogram & { total: number; sent: number }
    latency: Histogram
    throughput: Histogram
    errors: number
    timeouts: number
    non2xx: number
    resets: number
    statusCodeStats: Record<string, { count: number }>
    duration: number
  }

  export type Instance = EventEmitter & {
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): Instance
    stop(): void
  }

  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance
  export default autocannon
}

import type { Kysely } from 'kysely'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import type { Database } from '../db/schema.ts'
import type { Services } from '../composition.ts'

type Job = { name: string; everyMs: number; run: () => Promise<unknown> }

/**
 * In-process scheduled jobs. Each is idempotent; on PostgreSQL each run holds an advisory lock so that with N
 * instances it runs once at a time.
 */
export function startJobs(deps: { db: Kysely<Database>; config: Config; services: Services; log: FastifyBaseLogger }) {
  const jobs: Job[] = [
    { name: 'sweep-expired-sessions', everyMs: 5 * 60_000, run: () => deps.services.auth.sweepExpired() },
    // Safe with N instances without a lock: each email is claimed with FOR UPDATE SKIP LOCKED.
    { name: 'send-outbox', everyMs: 5_000, run: () => deps.services.outbox.sendDue() },
    // Retention (docs/retention.md): finish approved disposals, then list what is due for a coordinator to approve.
    { name: 'retention', everyMs: 6 * 60 * 60_000, run: () => deps.services.retention.runScheduled() },
  ]
  const timers: NodeJS.Timeout[] = []
  const running = new Set<Promise<unknown>>()
  let stopped = false
  for (const job of jobs) {
    let busy = false
    const tick = () => {
      // A run still going when the next is due (a slow mail server) is not joined by a second one.
      if (stopped || busy) return
      busy = true
      const run = job
        .run()
        .catch(error =>
          deps.log.error(
            {
              job: job.name,
              err: {
                type: error instanceof Error ? error.name : 'unknown',
                message: error instanceof Error ? error.message.slice(0, 300) : '',
              },
            },
            'job failed',
          ),
        )
      running.add(run)
      void run.finally(() => {
        busy = false
        running.delete(run)
      })
    }
    const timer = setInterval(tick, job.everyMs)
    timer.unref()
    timers.push(timer)
  }
  return {
    async stop() {
      stopped = true
      for (const timer of timers) clearInterval(timer)
      await Promise.allSettled([...running])
    },
  }
}

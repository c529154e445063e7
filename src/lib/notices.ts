import type { FastifyRequest } from 'fastify'

// The success banner after a change: the POST redirects (303) to the page with `?done=<code>`, and the page shows the
// message its own table gives that code. Anything else in `done` (an unknown code, `__proto__`) shows nothing.

export type Notice = { success: true; text: string }

export function noticeFrom(request: FastifyRequest, notices: Readonly<Record<string, string>>): Notice | undefined {
  const code = (request.query as Record<string, unknown> | undefined)?.done
  const text = typeof code === 'string' && Object.hasOwn(notices, code) ? notices[code] : undefined
  return text ? { success: true, text } : undefined
}

/** The page to redirect to after a change, with the code of the message to show there. */
export function withNotice(path: string, code: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}done=${code}`
}

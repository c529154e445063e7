/** Page arithmetic and the arguments of GOV.UK's pagination component. */

export type Page = { page: number; pageSize: number; limit: number; offset: number }

/** A requested page number, kept within 1..10 000 (anything else is page 1). */
export function pageOf(requested: number | undefined, pageSize: number): Page {
  const page =
    requested !== undefined && Number.isInteger(requested) && requested >= 1 && requested <= 10_000 ? requested : 1
  return { page, pageSize, limit: pageSize, offset: (page - 1) * pageSize }
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize))
}

export type GovukPagination = {
  previous?: { href: string }
  next?: { href: string }
  items: Array<{ number: number; href: string; current?: boolean } | { ellipsis: true }>
  landmarkLabel?: string
}

/** govukPagination arguments, or null when everything fits on one page. Shows first, last and the pages around. */
export function paginationFor(
  page: number,
  totalPages: number,
  hrefFor: (page: number) => string,
  landmarkLabel = 'Pages',
): GovukPagination | null {
  if (totalPages <= 1) return null
  const items: GovukPagination['items'] = []
  let last = 0
  const shown = [...new Set([1, page - 1, page, page + 1, totalPages])]
    .filter(number => number >= 1 && number <= totalPages)
    .sort((a, b) => a - b)
  for (const number of shown) {
    if (number - last > 1) items.push({ ellipsis: true })
    items.push(number === page ? { number, href: hrefFor(number), current: true } : { number, href: hrefFor(number) })
    last = number
  }
  return {
    ...(page > 1 ? { previous: { href: hrefFor(page - 1) } } : {}),
    ...(page < totalPages ? { next: { href: hrefFor(page + 1) } } : {}),
    items,
    landmarkLabel,
  }
}

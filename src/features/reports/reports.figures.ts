// Small-number suppression (docs/reports.md): a report must never let anyone pick out a family. Pure functions, one
// place, used by the page, the CSV and the API alike.

/** Counts from 1 to this are shown as "fewer than 5"; averages over fewer than SMALLEST_SHOWN children are not shown. */
export const SUPPRESS_UP_TO = 4
export const SMALLEST_SHOWN = SUPPRESS_UP_TO + 1

export const FEWER_THAN_5 = `fewer than ${SMALLEST_SHOWN}`
/** A count of 5 or more hidden so that a suppressed count beside it cannot be worked out from a total (secondary suppression). */
export const NOT_SHOWN = 'not shown'
export const AVERAGE_NOT_SHOWN = `not shown (fewer than ${SMALLEST_SHOWN})`
export const NO_DATA = 'none'

/** A figure as it may be shown: `value` is null whenever it is suppressed (or there is nothing to average). */
export type Figure = Readonly<{ value: number | null; text: string; suppressed: boolean }>

const wholeNumber = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 })
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 })

function shown(value: number, text: string): Figure {
  return { value, text, suppressed: false }
}

/** A count: 0 and 5 or more as they are; 1 to 4 as "fewer than 5". */
export function countFigure(count: number): Figure {
  if (count >= 1 && count <= SUPPRESS_UP_TO) return { value: null, text: FEWER_THAN_5, suppressed: true }
  return shown(count, wholeNumber.format(count))
}

/**
 * Counts that add up to a total someone could learn elsewhere (another table, another filter): each 1–4 is "fewer
 * than 5", and when only one cell is suppressed, the next smallest non-zero cell is hidden too, so that the
 * suppressed one cannot be found by subtraction.
 */
export function countColumn(counts: readonly number[]): Figure[] {
  const figures = counts.map(countFigure)
  protectColumn(counts, figures)
  return figures
}

const hidden: Figure = { value: null, text: NOT_SHOWN, suppressed: true }

/** Secondary suppression in place: when exactly one figure is suppressed, hides the next smallest non-zero one. */
function protectColumn(counts: readonly number[], figures: Figure[]): boolean {
  const suppressed = figures.filter(figure => figure.suppressed).length
  if (suppressed !== 1) return false
  let smallest = -1
  counts.forEach((count, index) => {
    if (figures[index]?.suppressed || count === 0) return
    if (smallest === -1 || count < (counts[smallest] ?? Infinity)) smallest = index
  })
  if (smallest === -1) return false
  figures[smallest] = hidden
  return true
}

/**
 * Two count columns whose difference row by row is known elsewhere — episodes opened minus episodes closed in a month
 * is the change in the episodes open at the end of the month, which the month-end table shows. Each column is
 * suppressed as by countColumn; then, where one figure of a row is suppressed, the other is hidden too (even a 0, which
 * would otherwise give the suppressed one away), and each column protected again, until nothing changes. The
 * difference can still be learnt, but not either figure.
 */
export function linkedColumns(first: readonly number[], second: readonly number[]): [Figure[], Figure[]] {
  const a = countColumn(first)
  const b = countColumn(second)
  for (let changed = true; changed; ) {
    changed = false
    for (let index = 0; index < Math.min(a.length, b.length); index++) {
      const [x, y] = [a[index], b[index]]
      if (x === undefined || y === undefined || x.suppressed === y.suppressed) continue
      if (x.suppressed) b[index] = hidden
      else a[index] = hidden
      changed = true
    }
    if (protectColumn(first, a)) changed = true
    if (protectColumn(second, b)) changed = true
  }
  return [a, b]
}

/** The sum of counts, shown only when none of them is suppressed (otherwise it would give a suppressed one away). */
export function totalFigure(counts: readonly number[], parts: readonly Figure[]): Figure {
  if (parts.some(part => part.suppressed)) return { value: null, text: NOT_SHOWN, suppressed: true }
  return countFigure(counts.reduce((sum, count) => sum + count, 0))
}

/** An average (or median) over `base` children or records: shown to one decimal place only for 5 or more. */
export function averageFigure(value: number | null, base: number, options: { signed?: boolean } = {}): Figure {
  if (base === 0 || value === null) return { value: null, text: NO_DATA, suppressed: false }
  if (base <= SUPPRESS_UP_TO) return { value: null, text: AVERAGE_NOT_SHOWN, suppressed: true }
  // Half away from zero, the same for rises and falls (Math.round alone takes −1.25 to −1.2 but 1.25 to 1.3).
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * 10)) / 10
  // A true minus sign (U+2212) on the page: screen readers say "minus". The CSV turns it into a hyphen-minus.
  const text = options.signed && rounded < 0 ? `\u2212${oneDecimal.format(-rounded)}` : oneDecimal.format(rounded === 0 ? 0 : rounded)
  return shown(rounded === 0 ? 0 : rounded, text)
}

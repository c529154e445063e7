// A simple genogram-style diagram of a household, drawn on the server as SVG (no script). Squares are male, circles
// female, rounded squares not known; a solid line joins partners; lines run down from parents and carers to children
// (dashed for step-parents, dotted for carers and grandparents). People who have left are drawn faded with "(left)".
// Always shown with a table of the same relationships as its text alternative.

export type GenogramPerson = { id: string; name: string; born: string | null; sex: string | null; left: boolean }
export type GenogramLink = { personId: string; relatedPersonId: string; kind: string; parentalResponsibility: boolean }

const PARENT_KINDS = new Set(['mother', 'father', 'step_parent', 'carer'])
const WIDTH = 150
const ROW = 130
const SIZE = 36

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

/** 0 grandparents, 1 parents and carers (and their partners), 2 children and everyone else. */
function generations(people: GenogramPerson[], links: GenogramLink[]): Map<string, number> {
  const level = new Map<string, number>(people.map(person => [person.id, 2]))
  for (const link of links) {
    if (link.kind === 'grandparent') level.set(link.relatedPersonId, 0)
    else if (PARENT_KINDS.has(link.kind) && level.get(link.relatedPersonId) !== 0) level.set(link.relatedPersonId, 1)
  }
  for (const link of links) {
    if (link.kind === 'partner') {
      const one = level.get(link.personId) ?? 2
      const other = level.get(link.relatedPersonId) ?? 2
      const top = Math.min(one, other)
      level.set(link.personId, top)
      level.set(link.relatedPersonId, top)
    }
  }
  return level
}

export function genogramSvg(title: string, people: GenogramPerson[], links: GenogramLink[]): string {
  const level = generations(people, links)
  const rows = [0, 1, 2].map(row => people.filter(person => level.get(person.id) === row)).filter(row => row.length > 0)
  const columns = Math.max(1, ...rows.map(row => row.length))
  const width = columns * WIDTH
  const height = rows.length * ROW + 20
  const position = new Map<string, { x: number; y: number }>()
  rows.forEach((row, rowIndex) => {
    const offset = (width - row.length * WIDTH) / 2
    row.forEach((person, index) => position.set(person.id, { x: offset + index * WIDTH + WIDTH / 2, y: rowIndex * ROW + 40 }))
  })
  const description =
    links.length === 0
      ? `${people.length} people; no relationships recorded yet.`
      : `${people.length} people and ${links.length} relationships. The table below lists the same relationships.`
  const lines: string[] = []
  for (const link of links) {
    const from = position.get(link.relatedPersonId)
    const to = position.get(link.personId)
    if (!from || !to) continue
    if (link.kind === 'partner') {
      lines.push(`<line x1="${from.x}" y1="${from.y}" x2="${to.x}" y2="${to.y}" class="genogram-partner" stroke="#0b0c0c" stroke-width="2"/>`)
    } else if (PARENT_KINDS.has(link.kind) || link.kind === 'grandparent') {
      const dash = link.kind === 'step_parent' ? ' stroke-dasharray="8 4"' : link.kind === 'father' || link.kind === 'mother' ? '' : ' stroke-dasharray="2 4"'
      const middle = (from.y + to.y) / 2
      lines.push(`<path d="M${from.x} ${from.y + SIZE / 2} V${middle} H${to.x} V${to.y - SIZE / 2}" fill="none" stroke="#0b0c0c" stroke-width="2"${dash}/>`)
    } else if (link.kind === 'sibling' || link.kind === 'half_sibling') {
      const dash = link.kind === 'half_sibling' ? ' stroke-dasharray="8 4"' : ''
      const top = Math.min(from.y, to.y) - SIZE / 2 - 10
      lines.push(`<path d="M${from.x} ${from.y - SIZE / 2} V${top} H${to.x} V${to.y - SIZE / 2}" fill="none" stroke="#505a5f" stroke-width="1.5"${dash}/>`)
    }
  }
  const shapes = people.map(person => {
    const at = position.get(person.id) ?? { x: 0, y: 0 }
    const stroke = person.left ? '#b1b4b6' : '#0b0c0c'
    const fill = person.left ? '#f3f2f1' : '#ffffff'
    const half = SIZE / 2
    const shape =
      person.sex === 'female'
        ? `<circle cx="${at.x}" cy="${at.y}" r="${half}" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`
        : person.sex === 'male'
          ? `<rect x="${at.x - half}" y="${at.y - half}" width="${SIZE}" height="${SIZE}" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`
          : `<rect x="${at.x - half}" y="${at.y - half}" width="${SIZE}" height="${SIZE}" rx="10" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`
    const label = `${person.name}${person.left ? ' (left)' : ''}`
    const born = person.born ? `<text x="${at.x}" y="${at.y + half + 32}" text-anchor="middle" font-size="13" fill="#505a5f">${escapeXml(person.born)}</text>` : ''
    return (
      `<g><title>${escapeXml(label)}</title>${shape}` +
      `<text x="${at.x}" y="${at.y + half + 16}" text-anchor="middle" font-size="14" fill="${person.left ? '#505a5f' : '#0b0c0c'}">${escapeXml(label.length > 22 ? `${label.slice(0, 21)}…` : label)}</text>${born}</g>`
    )
  })
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="genogram-title genogram-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif">` +
    `<title id="genogram-title">${escapeXml(title)}</title><desc id="genogram-desc">${escapeXml(description)}</desc>` +
    lines.join('') +
    shapes.join('') +
    '</svg>'
  )
}

import { inflateSync } from 'node:zlib'

/**
 * The text a PDF shows, read in-process: each content stream's TJ strings decoded through the ToUnicode map of the
 * font in use (an embedded font's strings are glyph ids, not characters). The same reader as the assessment family copy's test.
 */
export function pdfText(pdf: Buffer): string {
  const latin = pdf.toString('latin1')
  const objects = new Map<string, { dict: string; stream: string | null }>()
  for (const match of latin.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = match[2] ?? ''
    const streamAt = body.indexOf('stream\n')
    let stream: string | null = null
    if (streamAt !== -1) {
      const offset = (match.index ?? 0) + match[0].indexOf(body) + streamAt + 'stream\n'.length
      const end = latin.indexOf('\nendstream', offset)
      const raw = pdf.subarray(offset, end)
      try {
        stream = inflateSync(raw).toString('latin1')
      } catch {
        stream = raw.toString('latin1')
      }
    }
    objects.set(match[1] ?? '', { dict: streamAt === -1 ? body : body.slice(0, streamAt), stream })
  }
  const unicodeOf = (text: string) => {
    const hex = text.replace(/\s+/g, '')
    return Buffer.from(hex.length % 4 === 0 ? hex : `00${hex}`, 'hex').swap16().toString('utf16le')
  }
  function cmapOf(fontObject: string): Map<string, string> | null {
    const reference = objects.get(fontObject)?.dict.match(/\/ToUnicode (\d+) 0 R/)?.[1]
    const cmap = reference ? objects.get(reference)?.stream : null
    if (!cmap) return null
    const map = new Map<string, string>()
    for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const pair of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) map.set((pair[1] ?? '').toLowerCase(), unicodeOf(pair[2] ?? ''))
    }
    for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const range of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
        const low = parseInt(range[1] ?? '0', 16)
        const high = parseInt(range[2] ?? '0', 16)
        const width = (range[1] ?? '').length
        const targets = (range[3] ?? '').startsWith('[') ? [...(range[3] ?? '').matchAll(/<([0-9a-fA-F\s]+)>/g)].map(item => unicodeOf(item[1] ?? '')) : null
        const first = targets ? 0 : parseInt(range[3]?.slice(1, -1) ?? '0', 16)
        for (let code = low; code <= high; code++) {
          const key = code.toString(16).padStart(width, '0')
          map.set(key, targets ? (targets[code - low] ?? '') : String.fromCodePoint(first + code - low))
        }
      }
    }
    return map
  }
  const fontNames = new Map<string, string>()
  for (const { dict } of objects.values()) {
    for (const fonts of dict.matchAll(/\/Font\s*<<([^>]*)>>/g)) {
      for (const entry of (fonts[1] ?? '').matchAll(/\/(\w+) (\d+) 0 R/g)) fontNames.set(entry[1] ?? '', entry[2] ?? '')
    }
  }
  const cmaps = new Map<string, Map<string, string> | null>()
  const lines: string[] = []
  for (const { stream } of objects.values()) {
    if (!stream || !stream.includes('TJ')) continue
    let cmap: Map<string, string> | null = null
    for (const token of stream.matchAll(/\/(\w+) [\d.]+ Tf|\[([^\]]*)\]\s*TJ/g)) {
      if (token[1]) {
        const fontObject = fontNames.get(token[1]) ?? ''
        if (!cmaps.has(fontObject)) cmaps.set(fontObject, cmapOf(fontObject))
        cmap = cmaps.get(fontObject) ?? null
        continue
      }
      const strings = [...(token[2] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map(hex => hex[1] ?? '')
      lines.push(strings.map(hex => (cmap ? (hex.match(/.{4}/g) ?? []).map(code => cmap?.get(code.toLowerCase()) ?? '').join('') : Buffer.from(hex, 'hex').toString('latin1'))).join(''))
    }
  }
  return lines.join('\n')
}

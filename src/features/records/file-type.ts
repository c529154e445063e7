import { inflateRawSync } from 'node:zlib'

// What a file is, read from its bytes (never from its name or the browser's claimed type): PDF, PNG and JPEG by their
// signatures; Word and Excel (DOCX, XLSX) by the content types the zip declares in [Content_Types].xml; OpenDocument
// text and spreadsheets (ODT, ODS) by the zip's `mimetype` entry. Anything else is refused.

export type AcceptedType = {
  mediaType: string
  /** The extension the download is given, whatever the uploader called the file. */
  extension: string
  /** Plain words for the page. */
  description: string
}

export const ACCEPTED_TYPES = {
  pdf: { mediaType: 'application/pdf', extension: 'pdf', description: 'PDF' },
  png: { mediaType: 'image/png', extension: 'png', description: 'PNG image' },
  jpeg: { mediaType: 'image/jpeg', extension: 'jpg', description: 'JPEG image' },
  docx: { mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx', description: 'Word document' },
  xlsx: { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx', description: 'Excel spreadsheet' },
  odt: { mediaType: 'application/vnd.oasis.opendocument.text', extension: 'odt', description: 'OpenDocument text' },
  ods: { mediaType: 'application/vnd.oasis.opendocument.spreadsheet', extension: 'ods', description: 'OpenDocument spreadsheet' },
} as const satisfies Record<string, AcceptedType>

export function acceptedTypeOf(mediaType: string): AcceptedType | undefined {
  return Object.values(ACCEPTED_TYPES).find(type => type.mediaType === mediaType)
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** The accepted type these bytes are, or undefined when they are none of them. */
export function detectFileType(bytes: Buffer): AcceptedType | undefined {
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return ACCEPTED_TYPES.pdf
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return ACCEPTED_TYPES.png
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return ACCEPTED_TYPES.jpeg
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50) return detectZipType(bytes)
  return undefined
}

const OOXML_MAIN: Record<string, AcceptedType> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml': ACCEPTED_TYPES.docx,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml': ACCEPTED_TYPES.xlsx,
}

function detectZipType(bytes: Buffer): AcceptedType | undefined {
  let entries: ZipEntry[]
  try {
    entries = readCentralDirectory(bytes)
  } catch {
    return undefined
  }
  const mimetype = entries.find(entry => entry.name === 'mimetype')
  if (mimetype) {
    const text = readEntryText(bytes, mimetype, 200)?.trim()
    if (text === ACCEPTED_TYPES.odt.mediaType) return ACCEPTED_TYPES.odt
    if (text === ACCEPTED_TYPES.ods.mediaType) return ACCEPTED_TYPES.ods
    return undefined
  }
  const contentTypes = entries.find(entry => entry.name === '[Content_Types].xml')
  if (!contentTypes) return undefined
  const xml = readEntryText(bytes, contentTypes, 1024 * 1024)
  if (!xml) return undefined
  // Macro-enabled documents declare other main types (…macroEnabled.main+xml) and are refused.
  const declared = [...xml.matchAll(/ContentType\s*=\s*"([^"]+)"/g)].map(match => match[1] ?? '')
  const found = declared.map(type => OOXML_MAIN[type]).filter((type): type is AcceptedType => type !== undefined)
  return found.length === 1 ? found[0] : undefined
}

type ZipEntry = { name: string; method: number; flags: number; compressedSize: number; uncompressedSize: number; localHeaderOffset: number }

const EOCD_SIGNATURE = 0x06054b50
const CENTRAL_SIGNATURE = 0x02014b50
const LOCAL_SIGNATURE = 0x04034b50
const MAX_ENTRIES = 10_000

/** The zip's central directory (the authoritative list of entries), found from the end-of-central-directory record. */
function readCentralDirectory(bytes: Buffer): ZipEntry[] {
  const earliest = Math.max(0, bytes.length - 22 - 0xffff)
  let eocd = -1
  for (let offset = bytes.length - 22; offset >= earliest; offset--) {
    if (bytes.readUInt32LE(offset) === EOCD_SIGNATURE) {
      eocd = offset
      break
    }
  }
  if (eocd < 0) throw new Error('no end of central directory')
  const count = bytes.readUInt16LE(eocd + 10)
  const start = bytes.readUInt32LE(eocd + 16)
  if (count > MAX_ENTRIES || start >= bytes.length) throw new Error('implausible central directory')
  const entries: ZipEntry[] = []
  let offset = start
  for (let index = 0; index < count; index++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== CENTRAL_SIGNATURE) throw new Error('bad central entry')
    const nameLength = bytes.readUInt16LE(offset + 28)
    const extraLength = bytes.readUInt16LE(offset + 30)
    const commentLength = bytes.readUInt16LE(offset + 32)
    entries.push({
      flags: bytes.readUInt16LE(offset + 8),
      method: bytes.readUInt16LE(offset + 10),
      compressedSize: bytes.readUInt32LE(offset + 20),
      uncompressedSize: bytes.readUInt32LE(offset + 24),
      localHeaderOffset: bytes.readUInt32LE(offset + 42),
      name: bytes.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'),
    })
    offset += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

/** One entry's text, stored or deflated, refusing encrypted entries and anything that inflates past `limit` bytes. */
function readEntryText(bytes: Buffer, entry: ZipEntry, limit: number): string | undefined {
  if ((entry.flags & 0x1) !== 0) return undefined
  const header = entry.localHeaderOffset
  if (header + 30 > bytes.length || bytes.readUInt32LE(header) !== LOCAL_SIGNATURE) return undefined
  const dataStart = header + 30 + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28)
  const dataEnd = dataStart + entry.compressedSize
  if (dataEnd > bytes.length || entry.compressedSize > limit * 2 + 1024) return undefined
  const data = bytes.subarray(dataStart, dataEnd)
  try {
    if (entry.method === 0) return data.length <= limit ? data.toString('utf8') : undefined
    if (entry.method === 8) return inflateRawSync(data, { maxOutputLength: limit }).toString('utf8')
  } catch {
    return undefined
  }
  return undefined
}

import fs from 'node:fs/promises'
import path from 'node:path'
import { isUuid } from '../../lib/ids.ts'

// Where a document's bytes live when the authority configures DOCUMENTS_FOLDER: one file per document, named by the
// document's id (never by anything the uploader chose), inside one folder per authority.

export type DocumentFolder = { root: string }

function fileOf(folder: DocumentFolder, authorityId: string, documentId: string): string {
  // Ids are UUIDs we generated; checked again so no value can ever leave the folder.
  if (!isUuid(authorityId) || !isUuid(documentId)) throw new Error('document ids must be UUIDs')
  return path.join(folder.root, authorityId, documentId)
}

/** Writes the file completely before the database row commits (a temporary name, then a rename). */
export async function writeDocumentFile(folder: DocumentFolder, authorityId: string, documentId: string, content: Uint8Array): Promise<void> {
  const target = fileOf(folder, authorityId, documentId)
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 })
  const temporary = `${target}.partial`
  await fs.writeFile(temporary, content, { mode: 0o600, flag: 'wx' })
  await fs.rename(temporary, target)
}

export async function readDocumentFile(folder: DocumentFolder, authorityId: string, documentId: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(fileOf(folder, authorityId, documentId))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

export async function deleteDocumentFile(folder: DocumentFolder, authorityId: string, documentId: string): Promise<void> {
  await fs.rm(fileOf(folder, authorityId, documentId), { force: true })
}

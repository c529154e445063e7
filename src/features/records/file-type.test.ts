import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeZip, sampleFiles } from '../../../test/helpers/office-files.ts'
import { detectFileType } from './file-type.ts'
import { cleanFileName, contentDisposition } from './records.service.ts'
import { ACCEPTED_TYPES } from './file-type.ts'

describe('a file’s type is read from its bytes, not its name', () => {
  it('recognises PDF, PNG, JPEG, DOCX, XLSX, ODT and ODS', () => {
    assert.equal(detectFileType(sampleFiles.pdf())?.mediaType, 'application/pdf')
    assert.equal(detectFileType(sampleFiles.png())?.mediaType, 'image/png')
    assert.equal(detectFileType(sampleFiles.jpeg())?.mediaType, 'image/jpeg')
    assert.equal(detectFileType(sampleFiles.docx())?.extension, 'docx')
    assert.equal(detectFileType(sampleFiles.xlsx())?.extension, 'xlsx')
    assert.equal(detectFileType(sampleFiles.odt())?.extension, 'odt')
    assert.equal(detectFileType(sampleFiles.ods())?.extension, 'ods')
  })

  it('refuses everything else: HTML, programs, plain zips, macro-enabled Word, other OpenDocument kinds, empty and broken files', () => {
    for (const bytes of [sampleFiles.html(), sampleFiles.exe(), sampleFiles.plainZip(), sampleFiles.docm(), sampleFiles.odp(), Buffer.alloc(0), Buffer.from('PK\u0003\u0004broken')]) {
      assert.equal(detectFileType(bytes), undefined)
    }
  })

  it('refuses a zip whose [Content_Types].xml inflates past the limit (a zip bomb) and encrypted entries', () => {
    const bomb = makeZip([{ name: '[Content_Types].xml', data: Buffer.alloc(5 * 1024 * 1024, 0x20) }])
    assert.equal(detectFileType(bomb), undefined)
    const encrypted = sampleFiles.docx()
    // Set the "encrypted" flag on the first local and central entries.
    encrypted.writeUInt16LE(1, 6)
    const central = encrypted.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    encrypted.writeUInt16LE(1, central + 8)
    assert.equal(detectFileType(encrypted), undefined)
  })
})

describe('download names', () => {
  it('cleans the uploader’s name and gives it the extension of what the file really is', () => {
    assert.equal(cleanFileName('C:\\Users\\me\\Report.PDF', ACCEPTED_TYPES.pdf), 'Report.pdf')
    assert.equal(cleanFileName('../../etc/passwd', ACCEPTED_TYPES.pdf), 'passwd.pdf')
    assert.equal(cleanFileName('letter.html', ACCEPTED_TYPES.pdf), 'letter.pdf')
    assert.equal(cleanFileName('"evil"\u0000name.docx', ACCEPTED_TYPES.docx), 'evilname.docx')
    assert.equal(cleanFileName('', ACCEPTED_TYPES.png), 'document.png')
  })

  it('sends an ASCII fallback and the real name as filename* (RFC 6266, RFC 8187)', () => {
    assert.equal(contentDisposition('Łucja’s report.pdf'), `attachment; filename="_ucja_s report.pdf"; filename*=UTF-8''%C5%81ucja%E2%80%99s%20report.pdf`)
    assert.equal(contentDisposition('a"b;c.pdf'), `attachment; filename="a_b_c.pdf"; filename*=UTF-8''a%22b%3Bc.pdf`)
  })
})

import { createRequire } from 'node:module'
import fs from 'node:fs'
import PDFDocument from 'pdfkit'
import type { Block, FamilyCopyDocument } from './family-copy.view-models.ts'

// The family's copy as a PDF, from the same document model as the print view. Tagged (a structure tree with headings,
// paragraphs and lists, the language and the title in the metadata, shown as the window title), real text (selectable
// and searchable), body text 12pt, A4, outline entries for each section.

// DejaVu Sans, embedded (and subset by pdfkit): the standard PDF fonts cannot show names such as Łucja, Şükrü or
// Александра, and a family's copy must spell their names right.
const require = createRequire(import.meta.url)
const FONTS = {
  regular: fs.readFileSync(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff')),
  bold: fs.readFileSync(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff')),
}

const SIZES = { body: 12, h1: 22, h2: 17, h3: 14 } as const
const INK = '#0b0c0c'
const SECONDARY = '#484949'

export function renderFamilyCopyPdf(document: FamilyCopyDocument, options: { author: string; createdAt: Date }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({
      size: 'A4',
      margins: { top: 64, bottom: 64, left: 64, right: 64 },
      pdfVersion: '1.7',
      tagged: true,
      lang: 'en-GB',
      displayTitle: true,
      info: { Title: document.title, Author: options.author, Subject: document.subject, Creator: 'OneStory', Producer: 'OneStory', CreationDate: options.createdAt },
    })
    const chunks: Buffer[] = []
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
    try {
      pdf.registerFont('Body', FONTS.regular)
      pdf.registerFont('Body-Bold', FONTS.bold)
      const root = pdf.struct('Document')
      pdf.addStructure(root)
      for (const block of document.cover) write(pdf, root, block)
      pdf.addPage()
      for (const block of document.body) write(pdf, root, block)
      root.end()
      pdf.end()
    } catch (error) {
      reject(error)
    }
  })
}

function write(pdf: PDFKit.PDFDocument, root: PDFKit.PDFStructureElement, block: Block) {
  switch (block.kind) {
    case 'heading': {
      const size = block.level === 1 ? SIZES.h1 : block.level === 2 ? SIZES.h2 : SIZES.h3
      if (block.level < 3 && pdf.y > pdf.page.height - pdf.page.margins.bottom - 120) pdf.addPage()
      else pdf.moveDown(block.level === 3 ? 0.6 : 0.9)
      if (block.level === 2) pdf.outline.addItem(block.text)
      pdf.font('Body-Bold').fontSize(size).fillColor(INK).text(block.text, { structParent: root, structType: `H${block.level}` })
      pdf.moveDown(0.3)
      return
    }
    case 'paragraph':
      pdf.font('Body').fontSize(SIZES.body).fillColor(INK).text(block.text, { structParent: root, structType: 'P', lineGap: 3 })
      pdf.moveDown(0.5)
      return
    case 'pair':
      pdf.font('Body-Bold').fontSize(SIZES.body).fillColor(SECONDARY).text(block.label, { structParent: root, structType: 'P' })
      pdf.font('Body').fontSize(SIZES.body).fillColor(INK).text(block.text, { structParent: root, structType: 'P', lineGap: 3 })
      pdf.moveDown(0.5)
      return
    case 'list':
      pdf.font('Body').fontSize(SIZES.body).fillColor(INK).list(block.items, { structParent: root, listType: 'bullet', bulletRadius: 2.5, textIndent: 14, lineGap: 3 })
      pdf.moveDown(0.5)
      return
  }
}

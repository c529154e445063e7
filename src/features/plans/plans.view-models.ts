import type { EpisodeSummary } from '../episodes/episode-summary.ts'
import { expandAbbreviations, type Block, type FamilyCopyDocument } from '../assessments/family-copy.view-models.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import type { OutcomesFrameworkKey, PlanActionOwnerKind, PlanActionStatus } from '../../db/schema.ts'

// Pure functions for the plan pages and the family's copy: no database, no Fastify. Unit-tested in plans.test.ts.

/** An agreed version as frozen in plan_versions.content: names and titles as they were when it was agreed. */
export type PlanSnapshot = {
  framework: { key: OutcomesFrameworkKey; name: string }
  ifNotAchieved: string
  needs: { id: string; description: string; source: string | null; outcomeWanted: string; outcomes: { key: string; title: string; familyWords: string }[] }[]
  actions: { id: string; needId: string | null; what: string; ownerKind: PlanActionOwnerKind; ownerName: string; dueOn: string; status: PlanActionStatus; notDoneReason: string | null }[]
}

export const STATUS_NAMES: Record<PlanActionStatus, string> = { not_started: 'Not started', in_progress: 'In progress', done: 'Done', not_done: 'Not done' }
const STATUS_TAGS: Record<PlanActionStatus, string> = { not_started: 'govuk-tag--grey', in_progress: 'govuk-tag--blue', done: 'govuk-tag--green', not_done: 'govuk-tag--red' }
export const STATUS_FAMILY_WORDS: Record<PlanActionStatus, string> = { not_started: 'Not started yet', in_progress: 'Started', done: 'Done', not_done: 'Not done' }

export const SIGNATURE_METHOD_NAMES = {
  on_screen: 'Signed on screen (signed in to OneStory)',
  in_person: 'Signed in person, at a meeting or visit',
  on_paper: 'Signed a paper copy',
  verbal: 'Agreed out loud (recorded by the practitioner)',
  email: 'Agreed by email',
} as const

export const SIGNER_KIND_NAMES = { practitioner: 'Practitioner', family_member: 'Family member', supporter: 'Supporter of the family' } as const

export const FAMILY_KIND_NAMES: Record<string, string> = { family_member: 'Family member', advocate: 'Advocate', parent_advice: 'Parent advice service', friend: 'Friend', other_supporter: 'Supporter' }

export function statusTag(status: PlanActionStatus, overdue: boolean) {
  if (overdue) return { text: 'Overdue', classes: 'govuk-tag--orange' }
  return { text: STATUS_NAMES[status], classes: STATUS_TAGS[status] }
}

/** A change between two agreed versions, for the comparison table. */
export type VersionChange = { kind: 'Added' | 'Removed' | 'Changed'; item: string; before: string; after: string }

function actionLine(action: PlanSnapshot['actions'][number]) {
  return `${action.what} — ${action.ownerName}, by ${formatDate(action.dueOn)} (${STATUS_NAMES[action.status]}${action.notDoneReason ? `: ${action.notDoneReason}` : ''})`
}

function needLine(need: PlanSnapshot['needs'][number]) {
  const outcomes = need.outcomes.length ? ` [${need.outcomes.map(outcome => outcome.title).join(', ')}]` : ''
  return `${need.description} → ${need.outcomeWanted}${outcomes}`
}

/** What changed from one agreed version to the next: needs and actions added, removed or changed, and the "if not" text. */
export function compareSnapshots(before: PlanSnapshot, after: PlanSnapshot): VersionChange[] {
  const changes: VersionChange[] = []
  for (const need of after.needs) {
    const old = before.needs.find(item => item.id === need.id)
    if (!old) changes.push({ kind: 'Added', item: 'Need', before: '', after: needLine(need) })
    else if (needLine(old) !== needLine(need)) changes.push({ kind: 'Changed', item: 'Need', before: needLine(old), after: needLine(need) })
  }
  for (const need of before.needs) if (!after.needs.some(item => item.id === need.id)) changes.push({ kind: 'Removed', item: 'Need', before: needLine(need), after: '' })
  for (const action of after.actions) {
    const old = before.actions.find(item => item.id === action.id)
    if (!old) changes.push({ kind: 'Added', item: 'Action', before: '', after: actionLine(action) })
    else if (actionLine(old) !== actionLine(action)) changes.push({ kind: 'Changed', item: 'Action', before: actionLine(old), after: actionLine(action) })
  }
  for (const action of before.actions) if (!after.actions.some(item => item.id === action.id)) changes.push({ kind: 'Removed', item: 'Action', before: actionLine(action), after: '' })
  if (before.ifNotAchieved !== after.ifNotAchieved) changes.push({ kind: 'Changed', item: 'If the changes do not happen', before: before.ifNotAchieved, after: after.ifNotAchieved })
  return changes
}

/** Reads a stored snapshot defensively (older rows, hand-made rows): missing parts become empty. */
export function readSnapshot(content: unknown): PlanSnapshot {
  const value = (typeof content === 'string' ? JSON.parse(content) : content) as Partial<PlanSnapshot> | null
  return {
    framework: value?.framework ?? { key: 'every_child_matters', name: 'Every Child Matters' },
    ifNotAchieved: value?.ifNotAchieved ?? '',
    needs: Array.isArray(value?.needs) ? value.needs : [],
    actions: Array.isArray(value?.actions) ? value.actions : [],
  }
}

export function versionRows(versions: { number: number; agreedAt: Date; agreedByName: string; changeSummary: string; signatureCount: number }[], href: (number: number) => string) {
  return versions.map(version => [
    { html: `<a class="govuk-link" href="${escapeHtml(href(version.number))}">Version ${version.number}</a>` },
    { text: formatDateTime(version.agreedAt) },
    { text: version.agreedByName },
    { text: version.changeSummary || '—' },
    { text: version.signatureCount === 1 ? '1 signature' : `${version.signatureCount} signatures` },
  ])
}

export function signatureRows(signatures: { signerName: string; signerKind: keyof typeof SIGNER_KIND_NAMES; method: keyof typeof SIGNATURE_METHOD_NAMES; signedOn: string; recordedByName: string }[]) {
  return signatures.map(signature => [
    { text: signature.signerName },
    { text: SIGNER_KIND_NAMES[signature.signerKind] },
    { text: SIGNATURE_METHOD_NAMES[signature.method] },
    { text: formatDate(signature.signedOn) },
    { text: signature.recordedByName },
  ])
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

// ---- the family's copy -----------------------------------------------------------------------------------------

export type PlanFamilyInput = {
  summary: Pick<EpisodeSummary, 'reference' | 'children'>
  snapshot: PlanSnapshot
  plan: { agreedVersionNumber: number; changedSinceAgreed: boolean } | null
  latest: { number: number; agreedAt: Date } | null
  signatures: { signerName: string; signedOn: string; method: keyof typeof SIGNATURE_METHOD_NAMES }[]
  today: string
  /** "The minutes of 3 March are late. They were due on 10 March." for each meeting whose minutes are overdue. */
  lateMinutes?: string[]
}

const FAMILY_METHOD_WORDS = { on_screen: 'signed on screen', in_person: 'signed in person', on_paper: 'signed on paper', verbal: 'agreed out loud', email: 'agreed by email' } as const

/** The plan in plain language for the family: the same blocks make the print page and the PDF. */
export function planFamilyDocument(input: PlanFamilyInput): FamilyCopyDocument {
  const { snapshot, summary } = input
  const seen = new Set<string>()
  const plain = (text: string) => expandAbbreviations(text.trim(), seen)
  const forWhom = summary.children.length ? summary.children.map(child => child.name).join(', ') : 'your family'
  const draft = !input.latest
  const cover: Block[] = [
    { kind: 'heading', level: 1, text: 'Your family’s plan' },
    { kind: 'pair', label: 'Who it is for', text: forWhom },
    { kind: 'pair', label: 'Reference', text: summary.reference },
  ]
  if (input.latest) {
    cover.push({ kind: 'paragraph', text: `We agreed this plan together on ${formatDate(input.latest.agreedAt)}. This is version ${input.latest.number}.` })
    if (input.plan?.changedSinceAgreed) cover.push({ kind: 'paragraph', text: 'Some things have changed since then. They are included here, and we will agree them with you.' })
  } else {
    cover.push({ kind: 'paragraph', text: 'This plan is a draft. We have not agreed it together yet, so some of it may change.' })
  }
  cover.push(
    { kind: 'heading', level: 2, text: 'What this plan is' },
    { kind: 'paragraph', text: 'It says what we are working on together, what you want to change, and who will do what by when. Everyone in your team has the same plan, and you can ask for it to be changed.' },
  )
  const body: Block[] = []
  const today = input.today
  const actionItems = (actions: PlanSnapshot['actions']) =>
    actions.map(action => {
      const late = (action.status === 'not_started' || action.status === 'in_progress') && action.dueOn < today
      const status = action.status === 'not_done' ? `Not done${action.notDoneReason ? `: ${plain(action.notDoneReason)}` : ''}` : late ? `${STATUS_FAMILY_WORDS[action.status]}, and late` : STATUS_FAMILY_WORDS[action.status]
      return `${plain(action.what)}. Who: ${action.ownerName}. By ${formatDate(action.dueOn)}. ${status}.`
    })
  if (snapshot.needs.length) body.push({ kind: 'heading', level: 2, text: 'What we are working on' })
  for (const need of snapshot.needs) {
    body.push({ kind: 'heading', level: 3, text: plain(need.description).split('\n')[0] ?? 'A need' })
    if (need.description.includes('\n')) body.push({ kind: 'paragraph', text: plain(need.description) })
    body.push({ kind: 'pair', label: 'What we want to change', text: plain(need.outcomeWanted) })
    if (need.outcomes.length) body.push({ kind: 'pair', label: 'This helps with', text: need.outcomes.map(outcome => outcome.familyWords).join('; ') })
    const actions = snapshot.actions.filter(action => action.needId === need.id)
    if (actions.length) body.push({ kind: 'paragraph', text: 'Who will do what:' }, { kind: 'list', items: actionItems(actions) })
    else body.push({ kind: 'paragraph', text: 'No actions agreed for this yet.' })
  }
  const others = snapshot.actions.filter(action => !action.needId || !snapshot.needs.some(need => need.id === action.needId))
  if (others.length) body.push({ kind: 'heading', level: 2, text: snapshot.needs.length ? 'Other things we agreed to do' : 'Who will do what' }, { kind: 'list', items: actionItems(others) })
  if (!snapshot.needs.length && !others.length) body.push({ kind: 'heading', level: 2, text: 'What we are working on' }, { kind: 'paragraph', text: 'Nothing has been written in the plan yet.' })
  body.push({ kind: 'heading', level: 2, text: 'If things do not change' })
  body.push({ kind: 'paragraph', text: snapshot.ifNotAchieved.trim() ? plain(snapshot.ifNotAchieved) : 'This has not been written down yet. Ask your lead professional what would happen.' })
  if (input.latest) {
    body.push({ kind: 'heading', level: 2, text: 'Who signed this plan' })
    if (input.signatures.length) body.push({ kind: 'list', items: input.signatures.map(signature => `${signature.signerName}, ${FAMILY_METHOD_WORDS[signature.method]} on ${formatDate(signature.signedOn)}`) })
    else body.push({ kind: 'paragraph', text: 'Nobody has signed it yet.' })
  }
  if (input.lateMinutes?.length) {
    body.push(
      { kind: 'heading', level: 2, text: 'Minutes you are waiting for' },
      { kind: 'list', items: input.lateMinutes },
      { kind: 'paragraph', text: 'Minutes are the written notes of a meeting. You should get a copy of every meeting’s minutes. Ask your lead professional for them.' },
    )
  }
  body.push(
    { kind: 'heading', level: 2, text: 'If something is wrong' },
    { kind: 'paragraph', text: 'If anything in this plan is wrong, missing or not happening, tell your lead professional or anyone in your team. You can ask for a meeting to change the plan.' },
  )
  return { title: `Family plan, ${summary.reference}`, subject: `The family support plan for ${forWhom}, in plain language`, draft, cover, body }
}

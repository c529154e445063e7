import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { dateColumn, ukDateOf } from '../../lib/dates.ts'
import { DomainRuleError, NotFoundError } from '../../lib/errors.ts'
import { formatDateIn, translate, type Language } from '../../lib/i18n.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import type { Access } from '../../policy/access.ts'
import type { FamilyActor, RequestContext } from '../../policy/actor.ts'
import { paths } from '../../paths.ts'
import { elementsOf } from '../assessments/template-content.ts'
import type { EpisodeSummary } from '../episodes/episode-summary.ts'
import { withFamilyEpisode } from '../family-pages/family-episode.ts'
import { listSharingShownToFamily } from '../break-glass/break-glass.service.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { readDocumentFile, type DocumentFolder } from '../records/document-storage.ts'
import { renderScoreChart, type ChartPanel, type ChartPoint } from './family-records.chart.ts'
import * as repository from './family-records.repository.ts'

// The family's records: our story so far (family-visible events only), scores beside the team's Distance Travelled,
// consent (and stopping sharing with one agency), and who has looked at our record. Every call reaches the episode
// through withFamilyEpisode: decided by the policy, audited with the episode and the family account.

/** Words are English sentences that the page translates (src/locales/cy/family-records.po has the Welsh). */
export type Words = { text: string; values?: Record<string, string | number> }

export type StoryEvent = {
  /** The day (YYYY-MM-DD) it happened. */
  on: string
  at: Date | null
  title: Words
  /** Free text someone wrote (a note, a comment): shown as written, never translated. */
  detail: string | null
  by: string | null
  document: { href: string; fileName: string; size: string } | null
}

const LEAD_SCOPES: Record<string, string> = { whole_family: 'the whole family', adults: 'the adults', children: 'the children' }

function sortKey(event: StoryEvent): string {
  return event.at ? event.at.toISOString() : `${event.on}T23:59:59.999Z`
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}

// ---- scores -------------------------------------------------------------------------------------------------------

export const ADULT_SCORES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] as const
export const CHILD_SCORES = ['red', 'amber', 'green'] as const
export type ChildScore = (typeof CHILD_SCORES)[number]

/** The team's Distance Travelled scores in plain words (0 no worries … 4 very big worries). */
export const TEAM_SCORE_WORDS = ['No worries', 'Small worries', 'Some worries', 'Big worries', 'Very big worries'] as const
const TEAM_SCORE_TEXT = ['No worries (0 out of 4)', 'Small worries (1 out of 4)', 'Some worries (2 out of 4)', 'Big worries (3 out of 4)', 'Very big worries (4 out of 4)'] as const
export const CHILD_SCORE_WORDS: Record<ChildScore, string> = { red: 'Red: things are hard', amber: 'Amber: some things are OK', green: 'Green: things are good' }

export type ScoreField = { name: string; elementKey: string; subject: string; elementTitle: string; domainTitle: string; subjectName: string | null }

export function scoreFieldName(elementKey: string, subject: string): string {
  return `score__${elementKey}__${subject}`
}

type ScoreRow = { who: 'adult' | 'child' | 'team'; at: Date; value: number | string; by: Words }

export type ScoreElementView = {
  key: string
  elementTitle: string
  domainTitle: string
  subjectName: string | null
  chart: string
  rows: { on: string; by: Words; score: Words; order: number }[]
}

// ---- who has looked -----------------------------------------------------------------------------------------------

/** What kind of record a practitioner looked at, in plain words (a safeguarding referral is never named). */
const LOOK_LABELS: [RegExp, string][] = [
  [/^person\./, 'details about someone in your family'],
  [/^(assessment|assessment-template)\./, 'the assessment'],
  [/^plan\./, 'the plan'],
  [/^meeting\.(minutes|approve-minutes)$/, 'meeting minutes'],
  [/^meeting\./, 'meetings'],
  [/^review\./, 'reviews'],
  [/^chronology\./, 'the story of your family’s support'],
  [/^note\./, 'case notes'],
  [/^document\./, 'documents'],
  [/^(team|lead)\./, 'the team'],
  [/^family-access\./, 'who in your family can use this service'],
  [/^episode\.(close|approve-closure)$/, 'closing your family’s early help'],
]

export function lookLabel(action: string): string {
  return LOOK_LABELS.find(([pattern]) => pattern.test(action))?.[1] ?? 'your family’s record'
}

export const LOOKS_PER_PAGE = 25

export function createFamilyRecordsService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { access, clock, config } = deps
  const folder: DocumentFolder | null = config.documents.folder ? { root: config.documents.folder } : null
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  // ---- our story so far -------------------------------------------------------------------------------------------

  async function storyPage(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view' }, async (trx, episode, actor, note) => {
      const { authorityId } = actor
      const events: StoryEvent[] = []
      const add = (on: string | Date, title: Words, extra: Partial<StoryEvent> = {}) =>
        events.push({ on: typeof on === 'string' ? on : ukDateOf(on), at: typeof on === 'string' ? null : on, title, detail: null, by: null, document: null, ...extra })

      for (const consent of await repository.listConsents(trx, authorityId, episodeId)) {
        const givenOn = dateColumn(consent.givenOn as string | Date)
        if (consent.decision === 'given') add(givenOn, { text: '{name} agreed to share information', values: { name: consent.giverName } })
        else add(givenOn, { text: '{name} did not agree to share information', values: { name: consent.giverName } })
        if (consent.withdrawnOn) add(dateColumn(consent.withdrawnOn as string | Date), { text: '{name} took back their agreement', values: { name: consent.giverName } })
      }
      for (const withdrawal of await repository.listWithdrawals(trx, authorityId, episodeId)) {
        add(withdrawal.withdrawnAt, { text: 'We stopped sharing with {agency}', values: { agency: withdrawal.agencyName } }, { by: withdrawal.byName })
        if (withdrawal.endedAt) add(withdrawal.endedAt, { text: 'We started sharing with {agency} again', values: { agency: withdrawal.agencyName } })
      }
      for (const meeting of await repository.listHeldMeetingsAndMinutes(trx, authorityId, episodeId)) {
        const date = formatDateIn(actor.language, meeting.startsAt)
        if (meeting.status === 'held') add(meeting.startsAt, { text: meeting.purpose === 'review' ? 'We had a review meeting' : 'We had a team meeting' })
        if (meeting.circulatedAt) add(meeting.circulatedAt, { text: 'The notes of the meeting on {date} were sent out', values: { date } })
      }
      for (const version of await repository.listAgreedPlanVersions(trx, authorityId, episodeId)) {
        add(version.agreedAt, { text: 'We agreed version {number} of our plan', values: { number: version.number } })
      }
      for (const action of await repository.listDoneActions(trx, authorityId, episodeId)) {
        add(action.completedOn ? dateColumn(action.completedOn as string | Date) : action.updatedAt, { text: 'Done: {what}', values: { what: action.what } }, { by: action.ownerName })
      }
      for (const review of await repository.listCompletedReviews(trx, authorityId, episodeId)) {
        add(dateColumn(review.heldOn as string | Date), { text: 'We looked at how things are going (a review)' })
      }
      const closure = await repository.findClosure(trx, authorityId, episodeId)
      if (closure) add(closure.decidedAt ?? closure.requestedAt, { text: 'Our early help came to an end' }, { detail: closure.summaryForFamily || null })
      for (const lead of await repository.listLeadPeriods(trx, authorityId, episodeId)) {
        const scope = LEAD_SCOPES[lead.scope] ?? 'the whole family'
        add(lead.startedAt, { text: `{name} became the lead professional for ${scope}`, values: { name: lead.name } })
        if (lead.endedAt) add(lead.endedAt, { text: `{name} stopped being the lead professional for ${scope}`, values: { name: lead.name } })
      }
      for (const change of await repository.listTeamChanges(trx, authorityId, episodeId)) {
        add(change.at, { text: change.change === 'joined' ? '{name} joined our team' : '{name} left our team', values: { name: change.memberName } })
      }
      for (const caseNote of await repository.listFamilyNotes(trx, authorityId, episodeId)) {
        add(dateColumn(caseNote.occurredOn as string | Date), { text: 'A note for you: {summary}', values: { summary: caseNote.summary } }, { detail: caseNote.body, by: caseNote.authorName, at: caseNote.createdAt })
      }
      for (const document of await repository.listFamilyDocuments(trx, authorityId, episodeId)) {
        add(
          document.uploadedAt,
          { text: 'A document for you: {title}', values: { title: document.title } },
          { by: document.uploadedByName, document: { href: paths.family.document(episodeId, document.id), fileName: document.fileName, size: formatSize(document.sizeBytes) } },
        )
      }
      for (const update of await repository.listFamilyPlanUpdates(trx, authorityId, episodeId)) {
        const title = update.status === 'done' ? { text: '{name} said this is done: {what}', values: { name: update.byName, what: update.what } } : { text: '{name} wrote about: {what}', values: { name: update.byName, what: update.what } }
        add(update.at, title, { detail: update.note })
      }
      for (const item of await repository.listFamilyAgendaItems(trx, authorityId, episodeId)) {
        add(item.addedAt, { text: '{name} added something to talk about at the meeting on {date}', values: { name: item.addedByName, date: formatDateIn(actor.language, item.startsAt) } }, { detail: item.text })
      }
      for (const view of await repository.listVisibleFamilyViews(trx, authorityId, episodeId, actor.accountId)) {
        const own = view.accountId === actor.accountId
        if (view.kind === 'before_meeting') add(view.createdAt, { text: 'You wrote what you want to say at a meeting' })
        else add(view.createdAt, own ? { text: 'You wrote down your views' } : { text: '{name} shared their views with you', values: { name: view.name } })
      }

      events.sort((a, b) => b.on.localeCompare(a.on) || sortKey(b).localeCompare(sortKey(a)) || a.title.text.localeCompare(b.title.text))
      note.details = { page: 'story', events: events.length }
      return { episode, events }
    })
  }

  /** A document marked for the family: the same safe headers as the practitioners' download, audited. */
  async function downloadDocument(context: RequestContext, episodeId: string, documentId: string) {
    if (!isUuid(documentId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'document', recordId: documentId }, async (trx, _episode, actor, note) => {
      const document = await repository.findFamilyDocument(trx, actor.authorityId, episodeId, documentId)
      if (!document) throw new NotFoundError('There is no such page.')
      const content = document.storage === 'folder' && folder ? await readDocumentFile(folder, actor.authorityId, document.id) : await repository.readDocumentContent(trx, actor.authorityId, document.id)
      if (!content) throw new NotFoundError('We cannot find this file. Ask your lead professional for a copy.')
      note.details = { download: true, sha256: document.sha256 }
      return { document, content: Buffer.from(content) }
    })
  }

  // ---- scores -----------------------------------------------------------------------------------------------------

  async function scoreFieldsOf(trx: Parameters<typeof repository.findTemplateContent>[0], authorityId: string, episode: EpisodeSummary): Promise<ScoreField[]> {
    const content = await repository.findTemplateContent(trx, authorityId, episode.id)
    if (!content) return []
    return elementsOf(content).flatMap(({ domain, element }) => {
      const subjects = domain.scope === 'each-child' ? episode.children.map(child => ({ subject: child.personId, subjectName: child.name })) : [{ subject: 'family', subjectName: null }]
      return subjects.map(({ subject, subjectName }) => ({ name: scoreFieldName(element.key, subject), elementKey: element.key, subject, elementTitle: element.title, domainTitle: domain.title, subjectName }))
    })
  }

  async function scoresPage(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view' }, async (trx, episode, actor, note) => {
      const { authorityId } = actor
      const fields = await scoreFieldsOf(trx, authorityId, episode)
      const byKey = new Map<string, ScoreRow[]>()
      const push = (elementKey: string, subject: string, row: ScoreRow) => {
        const key = scoreFieldName(elementKey, subject)
        byKey.set(key, [...(byKey.get(key) ?? []), row])
      }
      for (const start of await repository.listStartScores(trx, authorityId, episodeId)) {
        const at = new Date(start.at)
        if (start.practitionerScore !== null) push(start.elementKey, start.subject, { who: 'team', at, value: start.practitionerScore, by: { text: 'The team (at the start)' } })
        if (start.familyScoreAdult !== null) push(start.elementKey, start.subject, { who: 'adult', at, value: start.familyScoreAdult, by: { text: 'Your family (at the start)' } })
        if (start.familyScoreChild !== null) push(start.elementKey, start.subject, { who: 'child', at, value: start.familyScoreChild, by: { text: 'The child or young person (at the start)' } })
      }
      for (const score of await repository.listDistanceScores(trx, authorityId, episodeId)) {
        push(score.elementKey, score.subject, { who: 'team', at: new Date(score.recordedAt), value: score.score, by: { text: 'The team' } })
      }
      for (const score of await repository.listFamilyScores(trx, authorityId, episodeId, actor.accountId)) {
        const by = score.accountId === actor.accountId ? { text: 'Your own score' } : { text: '{name} (family)', values: { name: score.name } }
        const at = new Date(score.recordedAt)
        if (score.scoreAdult !== null) push(score.elementKey, score.subject, { who: 'adult', at, value: score.scoreAdult, by })
        if (score.scoreChild !== null) push(score.elementKey, score.subject, { who: 'child', at, value: score.scoreChild, by })
      }

      const t = (text: string, values?: Record<string, string | number>) => translate(actor.language, text, values)
      const elements: ScoreElementView[] = []
      let index = 0
      for (const field of fields) {
        const rows = (byKey.get(field.name) ?? []).sort((a, b) => a.at.getTime() - b.at.getTime())
        if (rows.length === 0) continue
        index++
        elements.push({
          key: field.name,
          elementTitle: field.elementTitle,
          domainTitle: field.domainTitle,
          subjectName: field.subjectName,
          chart: await renderScoreChart(`score-chart-${index}`, field.subjectName ? `${field.elementTitle}: ${field.subjectName}` : field.elementTitle, t('A chart of the scores over time. The table has the same scores.'), panelsFor(rows, actor.language)),
          rows: rows.map((row, order) => ({ on: ukDateOf(row.at), by: row.by, score: scoreWords(row), order })).reverse(),
        })
      }
      note.details = { page: 'scores', elements: elements.length }
      return { episode, elements, canAdd: fields.length > 0 && episode.status !== 'closed' }
    })
  }

  async function scoresForm(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view' }, async (trx, episode, actor, note) => {
      note.details = { page: 'add scores' }
      return { episode, fields: await scoreFieldsOf(trx, actor.authorityId, episode), young: actor.accountKind === 'young_person' }
    })
  }

  /** Adds the family member's scores for now: 0 to 10 from a parent or carer, red/amber/green from a young person. */
  async function addScores(context: RequestContext, episodeId: string, scores: Record<string, string>) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.contribute', recordType: 'family-score' }, async (trx, episode, actor, note) => {
      if (episode.status === 'closed') throw new DomainRuleError('Our early help has ended, so you cannot add scores now.', 'scores')
      const fields = await scoreFieldsOf(trx, actor.authorityId, episode)
      const now = clock.now()
      const young = actor.accountKind === 'young_person'
      const rows = fields
        .filter(field => (scores[field.name] ?? '') !== '')
        .map(field => {
          const value = scores[field.name] ?? ''
          return {
            authorityId: actor.authorityId,
            id: uuidv7(now.getTime()),
            episodeId,
            accountId: actor.accountId,
            elementKey: field.elementKey,
            subject: field.subject,
            scoreAdult: young ? null : Number(value),
            scoreChild: young ? (value as ChildScore) : null,
            recordedAt: now,
          }
        })
      if (rows.length === 0) throw new DomainRuleError('Choose a score for at least one thing.', fields[0]?.name ?? 'scores')
      await repository.insertFamilyScores(trx, rows)
      note.recordId = episodeId
      note.details = { scores: rows.length }
    })
  }

  // ---- consent ----------------------------------------------------------------------------------------------------

  async function loadConsent(trx: Parameters<typeof repository.listConsents>[0], actor: FamilyActor, episodeId: string) {
    const consents = await repository.listConsents(trx, actor.authorityId, episodeId)
    const named = consents.filter(consent => consent.decision === 'given' && !consent.withdrawnOn).flatMap(consent => consent.shareAgencyIds as unknown as string[])
    const agencies = await repository.listSharingAgencies(trx, actor.authorityId, episodeId, named.filter(isUuid))
    const withdrawals = await repository.listWithdrawals(trx, actor.authorityId, episodeId)
    const stopped = new Map(withdrawals.filter(withdrawal => withdrawal.endedAt === null).map(withdrawal => [withdrawal.agencyId, withdrawal]))
    return { consents, agencies, stopped }
  }

  async function consentPage(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view' }, async (trx, episode, actor, note) => {
      const { consents, agencies, stopped } = await loadConsent(trx, actor, episodeId)
      note.details = { page: 'consent' }
      return {
        episode,
        consents: consents.map(consent => ({
          decision: consent.decision,
          giverName: consent.giverName,
          givenOn: dateColumn(consent.givenOn as string | Date),
          toAssess: consent.toAssess,
          method: consent.method,
          withdrawnOn: consent.withdrawnOn ? dateColumn(consent.withdrawnOn as string | Date) : null,
          kinds: (consent.shareAgencyKinds as unknown as string[]).filter(kind => typeof kind === 'string'),
        })),
        sharing: agencies.filter(agency => !stopped.has(agency.id)),
        stopped: agencies.filter(agency => stopped.has(agency.id)).map(agency => ({ ...agency, since: stopped.get(agency.id)?.withdrawnAt ?? null, byName: stopped.get(agency.id)?.byName ?? '' })),
        // Break-glass feature: shared without the family's agreement to keep a child safe (unless telling them is a risk).
        sharedWithoutAgreement: await listSharingShownToFamily(trx, actor.authorityId, episodeId),
      }
    })
  }

  async function withdrawPage(context: RequestContext, episodeId: string, agencyId: string) {
    if (!isUuid(agencyId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'agency', recordId: agencyId }, async (trx, episode, actor, note) => {
      const { agencies, stopped } = await loadConsent(trx, actor, episodeId)
      const agency = agencies.find(item => item.id === agencyId)
      if (!agency) throw new NotFoundError('There is no such page.')
      note.details = { page: 'stop sharing' }
      return { episode, agency, alreadyStopped: stopped.has(agency.id) }
    })
  }

  /** Stops sharing with one agency at once (its practitioners lose access), tells the lead professional(s), audited. */
  async function withdraw(context: RequestContext, episodeId: string, agencyId: string) {
    if (!isUuid(agencyId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.consent', recordType: 'agency', recordId: agencyId }, async (trx, episode, actor, note) => {
      const { agencies, stopped } = await loadConsent(trx, actor, episodeId)
      const agency = agencies.find(item => item.id === agencyId)
      if (!agency) throw new NotFoundError('There is no such page.')
      if (stopped.has(agency.id)) {
        note.details = { alreadyStopped: true }
        return { agencyId: agency.id, changed: false }
      }
      const now = clock.now()
      const id = uuidv7(now.getTime())
      await repository.insertWithdrawal(trx, { authorityId: actor.authorityId, id, episodeId, agencyId: agency.id, withdrawnAt: now, byFamilyAccountId: actor.accountId, byName: actor.name })
      for (const lead of await repository.listCurrentLeadContacts(trx, actor.authorityId, episodeId)) {
        await enqueueEmail(
          trx,
          {
            authorityId: actor.authorityId,
            recipient: lead.email,
            subject: 'A family has stopped sharing information with an agency',
            bodyText: [
              `A family member has withdrawn consent to share information with ${agency.name} in early help episode ${episode.reference}. This took effect at once: practitioners from ${agency.name} can no longer open the episode's records.`,
              '',
              'What they already recorded stays. Withdrawn consent never stops anyone acting to keep a child safe: safeguarding referrals are not affected.',
              '',
              'Talk to the family about what this means for the plan. See the episode in OneStory:',
              `${config.baseUrl}${paths.episodes.show(episodeId)}`,
            ].join('\n'),
          },
          mailOptions(),
        )
      }
      note.recordId = agency.id
      note.details = { withdrawalId: id, agencyId: agency.id }
      return { agencyId: agency.id, changed: true }
    })
  }

  // ---- who has looked at our record -------------------------------------------------------------------------------

  async function whoHasLookedPage(context: RequestContext, episodeId: string, page: number) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view' }, async (trx, episode, actor, note) => {
      const rows = await repository.listLooks(trx, actor.authorityId, episodeId, LOOKS_PER_PAGE + 1, (page - 1) * LOOKS_PER_PAGE)
      note.details = { page: 'who has looked', pageNumber: page }
      return {
        episode,
        page,
        hasNext: rows.length > LOOKS_PER_PAGE,
        looks: rows.slice(0, LOOKS_PER_PAGE).map(row => ({ at: row.at, iso: row.at.toISOString(), name: row.userName ?? '', agencyName: row.agencyName, what: lookLabel(row.action), emergency: row.purpose === 'break-glass' })),
      }
    })
  }

  return { storyPage, downloadDocument, scoresPage, scoresForm, addScores, consentPage, withdrawPage, withdraw, whoHasLookedPage }
}

function scoreWords(row: ScoreRow): Words {
  if (row.who === 'adult') return { text: '{score} out of 10', values: { score: Number(row.value) } }
  if (row.who === 'child') return { text: CHILD_SCORE_WORDS[row.value as ChildScore] ?? String(row.value) }
  return { text: TEAM_SCORE_TEXT[Number(row.value)] ?? '{score} out of 4', values: { score: Number(row.value) } }
}

function panelsFor(rows: readonly ScoreRow[], language: Language): ChartPanel[] {
  const t = (text: string) => translate(language, text)
  const points = (who: ScoreRow['who']): ChartPoint[] => rows.filter(row => row.who === who).map((row, order) => ({ when: formatDateIn(language, row.at), order, value: row.value }))
  const panels: ChartPanel[] = []
  const adult = points('adult')
  if (adult.length > 0) panels.push({ kind: 'adult', title: t('Your family’s score (0 to 10, higher is better)'), points: adult })
  const child = points('child')
  if (child.length > 0) panels.push({ kind: 'child', title: t('The young person’s colour'), points: child, labels: { red: t('Red'), amber: t('Amber'), green: t('Green') } })
  const team = points('team')
  if (team.length > 0) panels.push({ kind: 'team', title: t('The team’s score (higher up is better)'), points: team, labels: TEAM_SCORE_WORDS.map(words => t(words)) })
  return panels
}

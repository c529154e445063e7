import { performance } from 'node:perf_hooks'
import type { Kysely } from 'kysely'
import { loadConfig, type Config } from '../../config.ts'
import type { Database, Role } from '../../db/schema.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { hashPassword } from '../../lib/passwords.ts'
import type { AgencyKind } from '../agencies/agency-kinds.ts'
import { insertAgency, insertLocality, replaceAgencies } from '../admin/admin.repository.ts'
import { insertAuthority, insertUser, insertUserRoles } from '../setup/setup.repository.ts'
import { installShippedTemplates } from '../assessments/templates.service.ts'
import { seedDemoFamilies, type DemoFamily } from './demo.families.ts'

export type DemoSignIn = {
  authorityName: string
  accounts: { email: string; password: string; roles: string }[]
  /** The practitioner whose caseload holds the demo families, and who else is on one of their episodes. */
  caseload: { practitionerEmail: string; families: string[]; contributorEmail: string }
}

/** What seeding created, for the demo test and the start-up message. */
export type DemoSeed = DemoSignIn & { families: DemoFamily[]; seconds: number }

/** Every demo account has this password: the data is fictional and the banner says so on every page. */
export const DEMO_PASSWORD = 'northshire-demo-only'

const AUTHORITY_NAME = 'Northshire Council (demo)'

/** The demo practitioner: a family support worker, lead professional for every demo family. */
export const DEMO_PRACTITIONER_EMAIL = 'familysupport@northshire.example'
/** Asked to add to the Kettering family's assessment, so the Kettering episode is on her list too. */
export const DEMO_CONTRIBUTOR_EMAIL = 'healthvisitor@northshire.example'
/** On Tegan Marsh's team: her young carers worker (Young Carers Northshire) and her pastoral lead (Moorland Academy). */
export const DEMO_YOUNG_CARERS_EMAIL = 'youthworker@northshire.example'
export const DEMO_PASTORAL_EMAIL = 'pastoral@northshire.example'
/** The early help coordinator, whose dashboard shows what is slipping across the authority. */
export const DEMO_COORDINATOR_EMAIL = 'coordinator@northshire.example'
/** Sets up the early help panel; the panel member sits on it (the Kettering episode is listed there). */
const DEMO_ADMINISTRATOR_EMAIL = 'admin@northshire.example'
const DEMO_PANEL_MEMBER_EMAIL = 'panel@northshire.example'
const DEMO_FAMILY_NAMES = ['Marsh', 'Kettering', 'Whitlow', 'Ashdown']

const LOCALITIES = ['Northshire Central', 'Riverside', 'Moorland', 'Coastal'] as const
type LocalityName = (typeof LOCALITIES)[number]

type DemoAgency = { name: string; kind: AgencyKind; locality: LocalityName | null; description: string; phone: string; email: string }

// Fictional agencies of every kind a team around the family draws on. Telephone numbers are from Ofcom's drama range.
const AGENCIES: readonly DemoAgency[] = [
  { name: 'Riverside Primary School', kind: 'school', locality: 'Riverside', description: 'A primary school for children aged 4 to 11. The special educational needs co-ordinator (SENCO) helps children who need extra support to learn.', phone: '01632 960001', email: 'office@riverside-primary.example.org' },
  { name: 'Moorland Academy', kind: 'school', locality: 'Moorland', description: 'A secondary school for young people aged 11 to 16, with a pastoral team and a family support worker.', phone: '01632 960002', email: 'office@moorland-academy.example.org' },
  { name: 'Little Acorns Nursery', kind: 'early_years', locality: 'Northshire Central', description: 'A day nursery for children under 5.', phone: '01632 960003', email: 'hello@little-acorns.example.org' },
  { name: 'Northshire Health Visiting Team', kind: 'health_visiting', locality: null, description: 'Nurses who visit families with babies and young children at home, to help with feeding, sleep, development and parents’ wellbeing.', phone: '01632 960004', email: 'health.visiting@northshire-nhs.example.org' },
  { name: 'Northshire School Nursing', kind: 'school_nursing', locality: null, description: 'Nurses who work with school-age children and young people on health, emotional wellbeing and growing up.', phone: '01632 960005', email: 'school.nursing@northshire-nhs.example.org' },
  { name: 'Riverside Medical Practice', kind: 'gp_practice', locality: 'Riverside', description: 'A GP surgery: family doctors and practice nurses.', phone: '01632 960006', email: 'reception@riverside-medical.example.org' },
  { name: 'Coastal Family Surgery', kind: 'gp_practice', locality: 'Coastal', description: 'A GP surgery: family doctors and practice nurses.', phone: '01632 960007', email: 'reception@coastal-surgery.example.org' },
  { name: 'Northshire CAMHS', kind: 'camhs', locality: null, description: 'Child and Adolescent Mental Health Services: help for children and young people with their feelings, behaviour and mental health.', phone: '01632 960008', email: 'camhs@northshire-nhs.example.org' },
  { name: 'Northshire General Hospital Paediatrics', kind: 'hospital', locality: 'Northshire Central', description: 'Children’s doctors and nurses at the hospital.', phone: '01632 960009', email: 'paediatrics@northshire-nhs.example.org' },
  { name: 'Northshire Children’s Front Door', kind: 'social_care_front_door', locality: null, description: 'Where anyone worried that a child is at risk of harm contacts children’s social care. Call 999 if a child is in immediate danger.', phone: '01632 960010', email: 'frontdoor@northshire.example.gov.uk' },
  { name: 'Northshire Police Safeguarding Hub', kind: 'police', locality: null, description: 'Police officers who work with children’s services to keep children safe. Call 999 in an emergency, 101 otherwise.', phone: '01632 960011', email: 'safeguarding.hub@northshire-police.example.org' },
  { name: 'Northshire Housing Options', kind: 'housing', locality: null, description: 'Help for families who are homeless, at risk of losing their home, or living somewhere unsuitable.', phone: '01632 960012', email: 'housing.options@northshire.example.gov.uk' },
  { name: 'Moorland Youth Service', kind: 'youth_service', locality: 'Moorland', description: 'Youth workers and youth clubs for young people aged 11 to 19.', phone: '01632 960013', email: 'youth@northshire.example.gov.uk' },
  { name: 'Family Lives Northshire', kind: 'voluntary', locality: null, description: 'A charity offering parenting courses and one-to-one family support.', phone: '01632 960014', email: 'support@familylives-northshire.example.org' },
  { name: 'Young Carers Northshire', kind: 'voluntary', locality: null, description: 'A charity supporting children who look after someone in their family.', phone: '01632 960015', email: 'hello@youngcarers-northshire.example.org' },
  { name: 'Northshire SENDIAS Parent Advice', kind: 'parent_advice', locality: null, description: 'Free, confidential and impartial advice for parents about special educational needs and disability. They can come to meetings with you.', phone: '01632 960016', email: 'advice@sendias-northshire.example.org' },
  { name: 'Northshire Adult Mental Health Team', kind: 'adult_services', locality: null, description: 'Support for adults with mental health difficulties, including parents.', phone: '01632 960017', email: 'amht@northshire-nhs.example.org' },
  { name: 'Northshire Early Help Hub', kind: 'other', locality: 'Northshire Central', description: 'The council’s early help team: coordinators who support practitioners and families with the early help process.', phone: '01632 960018', email: 'earlyhelp@northshire.example.gov.uk' },
]

type DemoAccount = { name: string; email: string; roles: Role[]; agencies: string[] }

const ACCOUNTS: readonly DemoAccount[] = [
  { name: 'Alex Admin', email: 'admin@northshire.example', roles: ['administrator'], agencies: ['Northshire Early Help Hub'] },
  { name: 'Chris Coordinator', email: 'coordinator@northshire.example', roles: ['coordinator'], agencies: ['Northshire Early Help Hub'] },
  { name: 'Morgan Manager', email: 'manager@northshire.example', roles: ['manager'], agencies: ['Riverside Primary School'] },
  { name: 'Pat Panel', email: 'panel@northshire.example', roles: ['panel_member'], agencies: ['Northshire CAMHS'] },
  { name: 'Sam Senco', email: 'senco@northshire.example', roles: ['practitioner'], agencies: ['Riverside Primary School'] },
  { name: 'Hana Health Visitor', email: 'healthvisitor@northshire.example', roles: ['practitioner'], agencies: ['Northshire Health Visiting Team'] },
  { name: 'Yusuf Youth Worker', email: 'youthworker@northshire.example', roles: ['practitioner'], agencies: ['Moorland Youth Service', 'Young Carers Northshire'] },
  { name: 'Paula Pastoral', email: 'pastoral@northshire.example', roles: ['practitioner'], agencies: ['Moorland Academy'] },
  { name: 'Dee Family Support', email: 'familysupport@northshire.example', roles: ['practitioner'], agencies: ['Family Lives Northshire'] },
]

/**
 * Fills an empty database with a fictional authority, then records the demo families through the real services as the
 * demo practitioner. Returns how to sign in and what was created. Runs once, on an empty database: if recording the
 * families fails, the authority is already there, so the demo's data folder must be deleted before trying again.
 */
export async function seedDemoAuthority(db: Kysely<Database>, options: { config?: Config; now?: Date } = {}): Promise<DemoSeed> {
  const started = performance.now()
  const now = options.now ?? new Date()
  const config = options.config ?? loadConfig({ DEMO: 'true', LOG_LEVEL: 'silent' })
  const passwordHash = await hashPassword(DEMO_PASSWORD)
  const authorityId = uuidv7()
  const agencyIds = new Map<string, string>()
  const users = new Map<string, { userId: string; account: DemoAccount; agencyIds: string[] }>()
  await db.transaction().execute(async trx => {
    await insertAuthority(trx, { id: authorityId, name: AUTHORITY_NAME, nation: 'england', isDemo: true })
    await installShippedTemplates(trx, authorityId, now)
    const localityIds = new Map<string, string>()
    for (const name of LOCALITIES) {
      const id = uuidv7()
      localityIds.set(name, id)
      await insertLocality(trx, { authorityId, id, name, at: now })
    }
    for (const agency of AGENCIES) {
      const id = uuidv7()
      agencyIds.set(agency.name, id)
      await insertAgency(trx, {
        authorityId,
        id,
        name: agency.name,
        kind: agency.kind,
        localityId: agency.locality ? (localityIds.get(agency.locality) ?? null) : null,
        description: agency.description,
        email: agency.email,
        phone: agency.phone,
        address: null,
        active: true,
        at: now,
      })
    }
    for (const account of ACCOUNTS) {
      const userId = uuidv7()
      await insertUser(trx, { authorityId, id: userId, email: account.email, name: account.name, status: 'active', passwordHash, maySkipSecondFactor: true })
      await insertUserRoles(trx, authorityId, userId, account.roles)
      const ids = account.agencies.map(name => agencyIds.get(name)).filter((id): id is string => id !== undefined)
      await replaceAgencies(trx, authorityId, userId, ids, now)
      users.set(account.email, { userId, account, agencyIds: ids })
    }
  })
  const practitioner = users.get(DEMO_PRACTITIONER_EMAIL)
  const healthVisitor = users.get(DEMO_CONTRIBUTOR_EMAIL)
  const administrator = users.get(DEMO_ADMINISTRATOR_EMAIL)
  const panelMember = users.get(DEMO_PANEL_MEMBER_EMAIL)
  const coordinator = users.get(DEMO_COORDINATOR_EMAIL)
  if (!practitioner || !healthVisitor || !administrator || !panelMember || !coordinator) throw new Error('demo seed: a demo account the families need is missing')
  /** A colleague on Tegan Marsh's team, working for the named agency (one of theirs). */
  const colleague = (email: string, agencyName: string) => {
    const user = users.get(email)
    const agencyId = agencyIds.get(agencyName)
    if (!user || !agencyId || !user.agencyIds.includes(agencyId)) throw new Error(`demo seed: ${email} does not work for ${agencyName}`)
    return { userId: user.userId, name: user.account.name, email: user.account.email, agencyIds: user.agencyIds, agencyId }
  }
  let families: DemoFamily[]
  try {
    families = await seedDemoFamilies(
      db,
      config,
      {
        authorityId,
        practitioner: { userId: practitioner.userId, name: practitioner.account.name, email: practitioner.account.email, agencyIds: practitioner.agencyIds },
        healthVisitorUserId: healthVisitor.userId,
        administrator: { userId: administrator.userId, name: administrator.account.name, email: administrator.account.email, agencyIds: administrator.agencyIds },
        coordinator: { userId: coordinator.userId, name: coordinator.account.name, email: coordinator.account.email, agencyIds: coordinator.agencyIds },
        panelMemberUserId: panelMember.userId,
        youngCarersWorker: colleague(DEMO_YOUNG_CARERS_EMAIL, 'Young Carers Northshire'),
        pastoralLead: colleague(DEMO_PASTORAL_EMAIL, 'Moorland Academy'),
        agencyIds,
      },
      now,
    )
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`The demo families could not be recorded (${reason}). Delete the demo's data folder and start the demo again.`, { cause: error })
  }
  return { ...demoSignIn(), families, seconds: (performance.now() - started) / 1000 }
}

/** How to sign in to the demo: printed at every start of `npm run demo`, not only the first. */
export function demoSignIn(): DemoSignIn {
  return {
    authorityName: AUTHORITY_NAME,
    accounts: ACCOUNTS.map(account => ({ email: account.email, password: DEMO_PASSWORD, roles: account.roles.join(', ') })),
    caseload: { practitionerEmail: DEMO_PRACTITIONER_EMAIL, families: DEMO_FAMILY_NAMES, contributorEmail: DEMO_CONTRIBUTOR_EMAIL },
  }
}

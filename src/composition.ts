import type { Kysely } from 'kysely'
import type { Config } from './config.ts'
import type { Database } from './db/schema.ts'
import type { Clock } from './lib/clock.ts'
import { createAccess } from './policy/access.ts'
import { createAuthService } from './features/auth/auth.service.ts'
import { createSetupService } from './features/setup/setup.service.ts'
import { createAdminService } from './features/admin/admin.service.ts'
import { createAuditLogService } from './features/audit-log/audit-log.service.ts'
import { createOutboxService } from './features/outbox/outbox.service.ts'
import { createApiTokenService } from './features/api-tokens/api-tokens.service.ts'
import { createAgencyDirectoryService } from './features/agencies/agencies.service.ts'
import { createApiService } from './api/api.service.ts'
import { createPeopleService } from './features/people/people.service.ts'
import { createEpisodeService } from './features/episodes/episodes.service.ts'
import { createAssessmentTemplateService } from './features/assessments/templates.service.ts'
import { createAssessmentService } from './features/assessments/assessments.service.ts'
import { createAssessmentCompletionService } from './features/assessments/assessment-completion.service.ts'
import { createFamilyCopyService } from './features/assessments/family-copy.service.ts'
import { createIdentityProtectionService } from './features/identity-protection/identity-protection.service.ts'
import { createMeetingService } from './features/meetings/meetings.service.ts'
import { createPlanService } from './features/plans/plans.service.ts'
import { createReviewService } from './features/reviews/reviews.service.ts'
import { createRecordsService } from './features/records/records.service.ts'
import { createTeamService } from './features/team/team.service.ts'
import { createFamilyHelpService } from './features/family-help/family-help.service.ts'
import { createFamilyAuthService } from './features/family-auth/family-auth.service.ts'
import { createMyWorkService } from './features/my-work/my-work.service.ts'
import { createFamilyPageService } from './features/family-pages/family-pages.service.ts'
import { createFamilyRecordsService } from './features/family-records/family-records.service.ts'
import { createBreakGlassService } from './features/break-glass/break-glass.service.ts'
import { createRetentionService } from './features/retention/retention.service.ts'
import { createSubjectAccessService } from './features/subject-access/subject-access.service.ts'
import { createRecordHistoryService } from './features/records-history/record-history.service.ts'
import { createReportService } from './features/reports/reports.service.ts'
import { createPanelService } from './features/panels/panels.service.ts'

/** Builds every service from the database, configuration and clock: the one place the object graph is wired. */
export function composeServices(deps: { db: Kysely<Database>; config: Config; clock: Clock }) {
  const access = createAccess(deps.db, deps.clock, { benchmarkAuditOff: deps.config.benchmarkAuditOff })
  const auth = createAuthService({ ...deps, access })
  const setup = createSetupService({ ...deps, access })
  const admin = createAdminService({ ...deps, access, auth })
  const auditLog = createAuditLogService({ ...deps, access })
  const outbox = createOutboxService({ ...deps, access })
  const apiTokens = createApiTokenService({ ...deps, access, auth })
  const agencies = createAgencyDirectoryService({ ...deps, access })
  const api = createApiService({ ...deps, access })
  const people = createPeopleService({ ...deps, access })
  const assessmentTemplates = createAssessmentTemplateService({ ...deps, access })
  const episodes = createEpisodeService({ ...deps, access })
  const assessments = createAssessmentService({ ...deps, access })
  const assessmentCompletion = createAssessmentCompletionService({ ...deps, access })
  const familyCopies = createFamilyCopyService({ ...deps, access })
  const identityProtection = createIdentityProtectionService({ ...deps, access })
  const plans = createPlanService({ ...deps, access })
  const reviews = createReviewService({ ...deps, access })
  const records = createRecordsService({ ...deps, access })
  const meetings = createMeetingService({ ...deps, access })
  const team = createTeamService({ ...deps, access })
  const familyHelp = createFamilyHelpService({ ...deps, access })
  const familyAuth = createFamilyAuthService({ ...deps, access })
  const myWork = createMyWorkService({ ...deps, access })
  const familyPages = createFamilyPageService({ ...deps, access })
  const familyRecords = createFamilyRecordsService({ ...deps, access })
  const breakGlass = createBreakGlassService({ ...deps, access })
  const retention = createRetentionService({ ...deps, access })
  const subjectAccess = createSubjectAccessService({ ...deps, access })
  const recordHistory = createRecordHistoryService({ ...deps, access })
  const reports = createReportService({ ...deps, access })
  const panels = createPanelService({ ...deps, access })
  return { panels, reports, breakGlass, retention, identityProtection, subjectAccess, recordHistory, familyHelp, familyAuth, familyPages, familyRecords, myWork, team, meetings, access, auth, setup, admin, auditLog, outbox, apiTokens, agencies, api, assessmentTemplates, episodes, people, assessments, assessmentCompletion, familyCopies, plans, reviews, records }
}

export type Services = ReturnType<typeof composeServices>

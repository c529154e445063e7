import { formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import type { GrantRow, SharingRow } from './break-glass.repository.ts'
import { lawfulBasisName, specialCategoryName } from './break-glass.schemas.ts'

type Row = { key: { text: string }; value: { text: string } }

/** An emergency opening as a summary card; `reviewable` adds the review form's target and version. */
export function grantCards(grants: GrantRow[], now: Date, reviewable: boolean) {
  return grants.map(grant => {
    const running = grant.expiresAt.getTime() > now.getTime()
    const rows: Row[] = [
      { key: { text: 'Who' }, value: { text: `${grant.userName}${grant.agencyName ? ` (${grant.agencyName})` : ''}` } },
      { key: { text: 'Reason' }, value: { text: grant.reason } },
      { key: { text: 'Opened' }, value: { text: formatDateTime(grant.openedAt) } },
      { key: { text: running ? 'Can read it until' : 'Access ended' }, value: { text: formatDateTime(grant.expiresAt) } },
      { key: { text: 'The family' }, value: { text: grant.hiddenFromFamily ? `Not shown in “who has looked”: ${grant.hiddenReason ?? 'marked at review'}` : 'Shown in “who has looked” as opened in an emergency' } },
    ]
    if (grant.reviewedAt) {
      rows.push({ key: { text: 'Reviewed' }, value: { text: `${formatDateTime(grant.reviewedAt)} by ${grant.reviewerName ?? ''}${grant.reviewNote ? `: ${grant.reviewNote}` : ''}` } })
    }
    return {
      id: grant.id,
      heading: `Episode ${grant.episodeReference}`,
      running,
      rows,
      episodeHref: paths.episodes.show(grant.episodeId),
      reviewAction: reviewable ? paths.breakGlass.reviewGrant(grant.id) : null,
      version: grant.version,
      hidden: grant.hiddenFromFamily,
    }
  })
}

/** Sharing without agreement as summary cards (the coordinator's review list, or the episode's own page). */
export function sharingCards(rows: SharingRow[], reviewable: boolean) {
  return rows.map(sharing => ({
    id: sharing.id,
    heading: reviewable ? `Episode ${sharing.episodeReference}: ${sharing.agencyName}` : sharing.agencyName,
    current: sharing.endedAt === null,
    rows: [
      { key: { text: 'Recorded by' }, value: { text: `${sharing.recordedByName}, ${formatDateTime(sharing.recordedAt)}` } },
      { key: { text: 'Reason' }, value: { text: sharing.reason } },
      { key: { text: 'Lawful basis' }, value: { text: lawfulBasisName(sharing.lawfulBasis) } },
      { key: { text: 'Special category condition' }, value: { text: specialCategoryName(sharing.specialCategoryCondition) } },
      { key: { text: 'The family' }, value: { text: sharing.hiddenFromFamily ? `Not told: ${sharing.hiddenReason ?? ''}` : 'Shown on their consent page' } },
      { key: { text: 'Status' }, value: { text: sharing.endedAt ? `Ended ${formatDateTime(sharing.endedAt)}` : 'Sharing now' } },
    ],
    reviewAction: reviewable ? paths.breakGlass.reviewSharing(sharing.id) : null,
    endAction: !reviewable && sharing.endedAt === null ? paths.breakGlass.endSharing(sharing.episodeId, sharing.id) : null,
    episodeHref: paths.episodes.show(sharing.episodeId),
  }))
}

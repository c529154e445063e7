import type { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import {
  endListingBody,
  episodeListingsSchema,
  episodeLocalityBody,
  episodeLocalitySchema,
  listEpisodeBody,
  movedEpisodeSchema,
  panelEpisodeParams,
  panelListingParams,
  panelListingSchema,
  panelListingsSchema,
  panelListSchema,
  panelParams,
} from './panels.schemas.ts'
import type { ListingRow } from './panels.service.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1 for panels and an episode's locality (docs/panels.md, "API"): the same operations as the panel pages and the
// locality form, through the same service, so that access, audit and emails are the same.

const iso = (value: Date | null) => (value === null ? null : value.toISOString())

function listingView(listing: ListingRow): z.input<typeof panelListingSchema> {
  return {
    id: listing.id,
    panelId: listing.panelId,
    panelName: listing.panelName,
    episodeId: listing.episodeId,
    reason: listing.reason,
    listedBy: listing.listedByName,
    listedAt: listing.listedAt.toISOString(),
    endedAt: iso(listing.endedAt),
    endedBy: listing.endedByName,
  }
}

export const panelEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/panels',
    operationId: 'listPanels',
    summary: 'The panels you may see',
    description:
      'Administrators: every panel of your authority, active or not, with who sits on it (as the administration panels page). Panel members: the active panels you sit on (as the "Panels" page; audited). Anyone else is refused (403, audited).',
    tag: 'Panels',
    action: 'panel.manage',
    orAction: 'panel.view',
    recordType: 'panel',
    query: noQuery,
    success: { status: 200, description: 'The panels.', schema: panelListSchema },
    handle: async ({ services, context }) => {
      const result = await services.panels.panelsFor(context)
      return {
        view: result.view,
        items: result.panels.map(panel => ({
          id: panel.id,
          name: panel.name,
          localityId: panel.localityId,
          localityName: panel.localityName,
          active: panel.active,
          listedCount: panel.listedCount,
          ...('members' in panel ? { members: panel.members.map(member => ({ userId: member.userId, name: member.name, hasPanelMemberRole: member.hasPanelRole })) } : {}),
        })),
      }
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/panels/{panelId}/listings',
    operationId: 'listPanelListings',
    summary: 'What is listed at a panel now',
    description:
      'A panel member who sits on the (active) panel sees every episode listed at it now; a coordinator sees those of the episodes of their area (or that they lead). Each read is audited as the matching page is. Anyone else is refused (403, audited); a panel of another authority is not found.',
    tag: 'Panels',
    action: 'panel.view',
    orAction: 'panel.list-episode',
    recordType: 'panel',
    params: panelParams,
    query: noQuery,
    success: { status: 200, description: 'The panel and its current listings, oldest first.', schema: panelListingsSchema },
    handle: async ({ services, context, params }) => {
      const { panel, listings } = await services.panels.panelListings(context, params.panelId)
      return {
        panel: { id: panel.id, name: panel.name, localityId: panel.localityId, localityName: panel.localityName, active: panel.active, listedCount: panel.listedCount },
        items: listings.map(listing => ({
          listingId: listing.id,
          episodeId: listing.episodeId,
          reference: listing.reference,
          listedAt: listing.listedAt.toISOString(),
          listedBy: listing.listedByName,
          reason: listing.reason,
        })),
      }
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/panel-listings',
    operationId: 'getEpisodePanelListings',
    summary: 'An episode’s panel listings',
    description: 'The episode’s current and past listings, and the active panels it may be listed at. The lead professional or a coordinator of the episode’s area; audited.',
    tag: 'Panels',
    action: 'panel.list-episode',
    recordType: 'episode',
    params: panelEpisodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.panels.ensureEpisodeAllowed(context, 'panel.list-episode', params.episodeId),
    success: { status: 200, description: 'The listings and the panels.', schema: episodeListingsSchema },
    handle: async ({ services, context, params }) => {
      const page = await services.panels.episodePage(context, params.episodeId)
      return {
        episodeId: page.episode.id,
        reference: page.episode.reference,
        status: page.episode.status,
        listings: page.listings.map(listingView),
        panels: page.panels.map(panel => ({ id: panel.id, name: panel.name, localityName: panel.localityName })),
      }
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/panel-listings',
    operationId: 'listEpisodeAtPanel',
    summary: 'List an episode at a panel',
    description:
      'Lists the episode at an active panel with a reason; the panel’s members are emailed (with no child’s or family’s name) and may read the episode while it is listed. The lead professional or a coordinator of the episode’s area. Refused with 422: an unknown or inactive panel, a panel it is already listed at, a closed episode. Audited.',
    tag: 'Panels',
    action: 'panel.list-episode',
    recordType: 'episode',
    params: panelEpisodeParams,
    query: noQuery,
    body: listEpisodeBody,
    authorize: ({ services, context, params }) => services.panels.ensureEpisodeAllowed(context, 'panel.list-episode', params.episodeId),
    success: { status: 201, description: 'The episode is listed.', schema: panelListingSchema },
    handle: async ({ services, context, params, body }) => listingView(await services.panels.listEpisode(context, params.episodeId, body)),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/panel-listings/{listingId}/remove',
    operationId: 'takeEpisodeOffPanel',
    summary: 'Take an episode off a panel',
    description:
      'Ends a current listing: the panel’s members can no longer read the episode. Send {"confirm": true}. The lead professional or a coordinator of the episode’s area. A listing already ended is refused with 422. Audited.',
    tag: 'Panels',
    action: 'panel.list-episode',
    recordType: 'episode',
    params: panelListingParams,
    query: noQuery,
    body: endListingBody,
    authorize: ({ services, context, params }) => services.panels.ensureEpisodeAllowed(context, 'panel.list-episode', params.episodeId),
    success: { status: 200, description: 'The listing, ended.', schema: panelListingSchema },
    handle: async ({ services, context, params }) => listingView(await services.panels.endListing(context, params.episodeId, params.listingId)),
  }),
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/locality',
    operationId: 'getEpisodeLocality',
    summary: 'An episode’s locality',
    description: 'The locality the episode is in (its coordinators see it), its version, and the localities it may move to. The lead professional or a coordinator of the episode’s area; audited.',
    tag: 'Panels',
    action: 'episode.locality',
    recordType: 'episode',
    params: panelEpisodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.panels.ensureEpisodeAllowed(context, 'episode.locality', params.episodeId),
    success: { status: 200, description: 'The episode’s locality.', schema: episodeLocalitySchema },
    handle: async ({ services, context, params }) => {
      const page = await services.panels.localityPage(context, params.episodeId)
      return {
        episodeId: page.episode.id,
        reference: page.episode.reference,
        status: page.episode.status,
        localityId: page.locality.localityId,
        localityName: page.locality.localityName,
        version: Number(page.locality.version),
        localities: page.localities.map(locality => ({ id: locality.id, name: locality.name })),
      }
    },
  }),
  defineEndpoint({
    method: 'PUT',
    path: '/episodes/{episodeId}/locality',
    operationId: 'moveEpisodeLocality',
    summary: 'Move an episode to another locality',
    description:
      'The family moved: the coordinators of the new locality see the episode at once, those of the old one no longer do. The lead professional or a coordinator of the episode’s area. Refused with 422 (nothing changes): a locality not of your authority, the locality it is already in, a closed episode. Audited with from and to.',
    tag: 'Panels',
    action: 'episode.locality',
    recordType: 'episode',
    params: panelEpisodeParams,
    query: noQuery,
    body: episodeLocalityBody,
    conflict: 'Someone else changed the episode after you read its version: nothing changed. Read it again.',
    authorize: ({ services, context, params }) => services.panels.ensureEpisodeAllowed(context, 'episode.locality', params.episodeId),
    success: { status: 200, description: 'The episode’s new locality.', schema: movedEpisodeSchema },
    handle: async ({ services, context, params, body }) => {
      const moved = await services.panels.moveEpisode(context, params.episodeId, body)
      return { episodeId: params.episodeId, localityId: moved.localityId, localityName: moved.localityName, version: moved.version, stillVisibleToYou: moved.stillVisible }
    },
  }),
]

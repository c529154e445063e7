import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, errorSummary, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildLocality, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, buildLocalityEpisode, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'

// Access rule (b) of issue 6, made usable: administrators set panels up and choose who sits on them and which
// localities a coordinator coordinates; the lead professional lists an episode at a panel; its members read it (never
// change it) while it is listed; a coordinator sees only the episodes (and dashboard) of their localities.


for (const kind of databaseKinds()) {
  describe(`panels and coordinators' localities (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let admin: Browser
    let lead: TestUser
    let leadBrowser: Browser
    let member: TestUser
    let memberBrowser: Browser
    let otherMember: TestUser
    let otherMemberBrowser: Browser
    let teamMateBrowser: Browser
    let northPanelId = ''
    let southPanelId = ''
    let localityB = ''
    const episodes = { listed: { id: '', childId: '', reference: '' }, closed: { id: '', childId: '', reference: '' }, inA: { id: '', childId: '', reference: '' }, inB: { id: '', childId: '', reference: '' } }

    /** An episode in support about a new child, in a locality, optionally led by `leadUser` (test/helpers/world.ts). */
    function episode(name: string, localityId: string | null, leadUser: TestUser | null, status: 'support' | 'closed' = 'support') {
      return buildLocalityEpisode(t, world, { name, familyName: 'Panelby', localityId, leadUser, status })
    }

    async function listings(episodeId: string) {
      return t.database.db.selectFrom('panelListings').selectAll().where('authorityId', '=', world.authorityId).where('episodeId', '=', episodeId).execute()
    }

    async function denials(userId: string, action: string) {
      const rows = await t.database.db.selectFrom('auditEvents').select('id').where('actorUserId', '=', userId).where('action', '=', action).where('outcome', '=', 'denied').execute()
      return rows.length
    }

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Panelby')
      localityB = (await buildLocality(t, world.authorityId, 'Panelby Hillside')).id
      admin = await signIn(t, await buildUser(t, world.authorityId, { roles: ['administrator'], agencyIds: [world.agencyId], name: 'Ada Admin' }))
      lead = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [world.agencyId], name: 'Lee Lead' })
      leadBrowser = await signIn(t, lead)
      member = await buildUser(t, world.authorityId, { roles: ['panel_member'], agencyIds: [world.agencyId], name: 'Pat Panel', email: 'pat.panel@example.org' })
      memberBrowser = await signIn(t, member)
      otherMember = await buildUser(t, world.authorityId, { roles: ['panel_member'], agencyIds: [world.agencyId], name: 'Oli Other' })
      otherMemberBrowser = await signIn(t, otherMember)
      const teamMate = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [world.agencyId], name: 'Tia Teammate' })
      teamMateBrowser = await signIn(t, teamMate)
      episodes.listed = await episode('Listedchild', world.localityId, lead)
      episodes.closed = await episode('Closedchild', world.localityId, lead, 'closed')
      episodes.inA = await episode('Northchild', world.localityId, null)
      episodes.inB = await episode('Southchild', localityB, null)
      await t.database.db
        .insertInto('episodeMembers')
        .values({ authorityId: world.authorityId, episodeId: episodes.listed.id, userId: teamMate.id, agencyId: world.agencyId, role: 'member', addedByUserId: lead.id, joinedAt: t.clock.now(), leftAt: null })
        .execute()
    })
    after(() => t.close())

    it('administrators add panels (a name taken in any case is refused) and choose who sits on them', async () => {
      const home = await admin.get(paths.admin.home())
      assert.equal(load(home.body)(`a[href="${paths.panels.admin()}"]`).text(), 'Panels')
      const created = await admin.post(paths.panels.newPanel(), { name: 'North panel', localityId: world.localityId })
      assert.equal(created.statusCode, 303)
      northPanelId = String(created.headers.location).split('/')[3]?.split('?')[0] ?? ''
      const south = await admin.post(paths.panels.newPanel(), { name: 'South panel', localityId: '' })
      assert.equal(south.statusCode, 303)
      southPanelId = String(south.headers.location).split('/')[3]?.split('?')[0] ?? ''
      const count = async () => (await t.database.db.selectFrom('panels').select('id').where('authorityId', '=', world.authorityId).execute()).length
      const before = await count()

      const taken = await admin.post(paths.panels.newPanel(), { name: 'north PANEL', localityId: '' })
      assert.equal(taken.statusCode, 400)
      assert.deepEqual(errorSummary(taken.body), ['There is already a panel called north PANEL. Enter a different name'])
      const empty = await admin.post(paths.panels.newPanel(), { name: '  ', localityId: '' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Enter the panel name'])
      const badLocality = await admin.post(paths.panels.newPanel(), { name: 'East panel', localityId: uuidv7() })
      assert.equal(badLocality.statusCode, 400)
      assert.deepEqual(errorSummary(badLocality.body), ['Choose a locality from the list'])
      const renameTaken = await admin.post(paths.panels.panel(southPanelId), { name: 'North Panel', localityId: '', active: 'yes', version: '1' })
      assert.equal(renameTaken.statusCode, 400)
      assert.equal(await count(), before)

      assert.equal((await admin.post(paths.panels.addMember(northPanelId), { userId: member.id })).headers.location, `${paths.panels.panel(northPanelId)}?done=member-added`)
      assert.equal((await admin.post(paths.panels.addMember(southPanelId), { userId: otherMember.id })).statusCode, 303)
      // Someone without the panel member role: added, with a warning.
      const noRole = await admin.post(paths.panels.addMember(northPanelId), { userId: lead.id })
      assert.equal(noRole.headers.location, `${paths.panels.panel(northPanelId)}?done=member-added-no-role`)
      const page = await admin.get(paths.panels.panel(northPanelId))
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /They need the panel member role to see what is listed/)
      const again = await admin.post(paths.panels.addMember(northPanelId), { userId: member.id })
      assert.equal(again.statusCode, 400)
      assert.deepEqual(errorSummary(again.body), ['Pat Panel already sits on this panel'])
      assert.equal((await admin.post(paths.panels.removeMember(northPanelId, lead.id), {})).statusCode, 303)

      const list = await admin.get(paths.panels.admin())
      assert.match(list.body, /North panel/)
      assert.match(list.body, /South panel/)
      const events = await t.database.db.selectFrom('auditEvents').select(['details', 'recordId']).where('action', '=', 'panel.manage').where('recordId', '=', northPanelId).where('outcome', '=', 'allowed').execute()
      assert.ok(events.some(event => JSON.stringify(event.details).includes('member added')), JSON.stringify(events))
      assert.ok(events.some(event => JSON.stringify(event.details).includes('member removed')), JSON.stringify(events))
      // Not for anyone else.
      assert.equal((await leadBrowser.get(paths.panels.admin())).statusCode, 403)
      assert.equal((await leadBrowser.post(paths.panels.newPanel(), { name: '' })).statusCode, 403)
    })

    it('refuses a listing without a reason, at an unknown panel, by a team member who is not the lead, or of a closed episode', async () => {
      const url = paths.panels.episode(episodes.listed.id)
      const form = await leadBrowser.get(url)
      assert.equal(form.statusCode, 200)
      assert.equal(load(form.body)('#panelId option').length, 1 + 3) // "Choose a panel", the world's, North and South
      const noReason = await leadBrowser.post(url, { panelId: northPanelId, reason: '' })
      assert.equal(noReason.statusCode, 400)
      assert.deepEqual(errorSummary(noReason.body), ['Enter why the episode should go to the panel'])
      const unknown = await leadBrowser.post(url, { panelId: uuidv7(), reason: 'Plan not meeting needs; needs rising' })
      assert.equal(unknown.statusCode, 400)
      assert.deepEqual(errorSummary(unknown.body), ['Choose a panel from the list'])
      const closed = await leadBrowser.post(paths.panels.episode(episodes.closed.id), { panelId: northPanelId, reason: 'Plan not meeting needs' })
      assert.equal(closed.statusCode, 400)
      assert.deepEqual(errorSummary(closed.body), ['This episode has ended: it cannot be listed at a panel'])
      assert.equal((await listings(episodes.closed.id)).length, 0)

      const refused = await teamMateBrowser.post(url, { panelId: northPanelId, reason: 'Plan not meeting needs' })
      assert.equal(refused.statusCode, 403)
      assert.equal((await teamMateBrowser.get(url)).statusCode, 403)
      assert.equal((await listings(episodes.listed.id)).length, 0)
      const teamMateId = (await t.database.db.selectFrom('users').select('id').where('name', '=', 'Tia Teammate').executeTakeFirstOrThrow()).id
      assert.ok((await denials(teamMateId, 'panel.list-episode')) >= 2)
      // The episode page offers "Panels" to the lead, not to the team mate.
      assert.equal(load((await leadBrowser.get(paths.episodes.show(episodes.listed.id))).body)(`.moj-sub-navigation a[href="${url}"]`).length, 1)
      assert.equal(load((await teamMateBrowser.get(paths.episodes.show(episodes.listed.id))).body)(`.moj-sub-navigation a[href="${url}"]`).length, 0)
      // Nobody at the panel can read the episode yet.
      assert.equal((await memberBrowser.get(paths.episodes.show(episodes.listed.id))).statusCode, 403)
    })

    it('the lead lists the episode: members are emailed (no child’s name) and may read it, never change it', async () => {
      const url = paths.panels.episode(episodes.listed.id)
      const listed = await leadBrowser.post(url, { panelId: northPanelId, reason: 'Plan not meeting needs; needs rising' })
      assert.equal(listed.statusCode, 303)
      assert.equal(listed.headers.location, `${url}?done=listed`)
      const [listing] = await listings(episodes.listed.id)
      assert.ok(listing)
      assert.equal(listing.listedByUserId, lead.id)
      const event = await t.database.db.selectFrom('auditEvents').select(['recordType', 'recordId', 'episodeId']).where('actorUserId', '=', lead.id).where('action', '=', 'panel.list-episode').where('outcome', '=', 'allowed').orderBy('at', 'desc').executeTakeFirst()
      assert.deepEqual(event, { recordType: 'episode', recordId: episodes.listed.id, episodeId: episodes.listed.id })
      const mail = await t.database.db.selectFrom('outbox').select(['recipient', 'subject', 'bodyText']).where('authorityId', '=', world.authorityId).where('subject', 'like', '%listed at North panel%').execute()
      assert.deepEqual(mail.map(message => message.recipient), ['pat.panel@example.org'])
      assert.match(mail[0]?.bodyText ?? '', /An episode has been listed at North panel\. Sign in to see it\./)
      assert.doesNotMatch(JSON.stringify(mail), /Listedchild|Panelby/)

      const duplicate = await leadBrowser.post(url, { panelId: northPanelId, reason: 'Again' })
      assert.equal(duplicate.statusCode, 400)
      assert.deepEqual(errorSummary(duplicate.body), ['This episode is already listed at North panel'])
      assert.equal((await listings(episodes.listed.id)).length, 1)

      // The member's panels page, and the episode and child it links to.
      const mine = await memberBrowser.get(paths.panels.mine())
      assert.equal(mine.statusCode, 200)
      assert.match(mine.body, new RegExp(episodes.listed.reference))
      assert.match(mine.body, /Listedchild Panelby/)
      assert.match(mine.body, /Plan not meeting needs; needs rising/)
      assert.equal(load(mine.body)(`a[href="${paths.episodes.show(episodes.listed.id)}"]`).length, 1)
      assert.equal(load((await memberBrowser.get('/')).body)(`a[href="${paths.panels.mine()}"]`).length > 0, true)
      const viewEvent = await t.database.db.selectFrom('auditEvents').select('recordType').where('actorUserId', '=', member.id).where('action', '=', 'panel.view').executeTakeFirst()
      assert.equal(viewEvent?.recordType, 'panel')
      const page = await memberBrowser.get(paths.episodes.show(episodes.listed.id))
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Listed at/)
      assert.match(page.body, /North panel/)
      assert.equal((await memberBrowser.get(paths.people.show(episodes.listed.childId))).statusCode, 200)

      const before = await denials(member.id, 'note.add')
      const write = await memberBrowser.post(paths.records.newNote(episodes.listed.id), { summary: 'A panel note', details: 'x', visibility: 'team' })
      assert.equal(write.statusCode, 403)
      assert.ok((await denials(member.id, 'note.add')) > before)
      assert.equal((await memberBrowser.post(paths.panels.episode(episodes.listed.id), { panelId: southPanelId, reason: 'By a member' })).statusCode, 403)

      // A member of another panel, and a panel member on no panel.
      assert.equal((await otherMemberBrowser.get(paths.episodes.show(episodes.listed.id))).statusCode, 403)
      assert.ok((await denials(otherMember.id, 'episode.view')) > 0)
      const nobody = await signIn(t, await buildUser(t, world.authorityId, { roles: ['panel_member'], agencyIds: [world.agencyId] }))
      const empty = await nobody.get(paths.panels.mine())
      assert.equal(empty.statusCode, 200)
      assert.match(empty.body, /You are not on any panel/)
    })

    it('taking the episode off ends the members’ access; a second time is refused', async () => {
      const [listing] = await listings(episodes.listed.id)
      assert.ok(listing)
      const ended = await leadBrowser.post(paths.panels.endListing(episodes.listed.id, listing.id), {})
      assert.equal(ended.statusCode, 303)
      const again = await leadBrowser.post(paths.panels.endListing(episodes.listed.id, listing.id), {})
      assert.equal(again.statusCode, 400)
      assert.deepEqual(errorSummary(again.body), ['This episode has already been taken off North panel'])
      assert.equal((await memberBrowser.get(paths.episodes.show(episodes.listed.id))).statusCode, 403)
      assert.doesNotMatch((await memberBrowser.get(paths.panels.mine())).body, new RegExp(episodes.listed.reference))
      const history = await leadBrowser.get(paths.panels.episode(episodes.listed.id))
      assert.match(history.body, /Listed before/)
      assert.match(history.body, /Taken off/)
      // Another authority's listing id, or none, is not found.
      assert.equal((await leadBrowser.post(paths.panels.endListing(episodes.listed.id, uuidv7()), {})).statusCode, 404)
      assert.equal((await leadBrowser.post(paths.panels.endListing(episodes.listed.id, 'nope'), {})).statusCode, 404)
    })

    it('administrators choose the localities a coordinator coordinates (audited); an unknown locality changes nothing', async () => {
      const coordinator = await buildUser(t, world.authorityId, { roles: ['coordinator'], agencyIds: [world.agencyId], name: 'Cora North' })
      const form = await admin.get(paths.admin.editUser(coordinator.id))
      assert.equal(form.statusCode, 200)
      const $ = load(form.body)
      assert.equal($('input[name="coordinatorLocalityIds"]').length, 2)
      assert.match(form.body, /Leave all unticked to coordinate the whole authority/)
      const version = String($('input[name="version"]').val())
      const unknown = await admin.post(paths.admin.editUser(coordinator.id), { roles: 'coordinator', agencyIds: world.agencyId, coordinatorLocalityIds: uuidv7(), version })
      assert.equal(unknown.statusCode, 422)
      assert.deepEqual(errorSummary(unknown.body), ['Choose localities from the list'])
      const rows = () => t.database.db.selectFrom('coordinatorLocalities').select('localityId').where('userId', '=', coordinator.id).execute()
      assert.equal((await rows()).length, 0)
      const saved = await admin.post(paths.admin.editUser(coordinator.id), { roles: 'coordinator', agencyIds: world.agencyId, coordinatorLocalityIds: world.localityId, version })
      assert.equal(saved.statusCode, 303)
      assert.deepEqual(await rows(), [{ localityId: world.localityId }])
      const event = await t.database.db.selectFrom('auditEvents').select('details').where('action', '=', 'user.manage').where('recordId', '=', coordinator.id).where('outcome', '=', 'allowed').orderBy('at', 'desc').executeTakeFirst()
      assert.deepEqual((event?.details as Record<string, unknown>).coordinatorLocalityIds, [world.localityId])
      const userPage = await admin.get(paths.admin.user(coordinator.id))
      assert.match(userPage.body, /Localities they coordinate/)
      assert.match(userPage.body, /Panelby Riverside/)

      // A coordinator limited to locality A: A's episode and its child, not B's.
      const north = await signIn(t, coordinator)
      assert.equal((await north.get(paths.episodes.show(episodes.inA.id))).statusCode, 200)
      assert.equal((await north.get(paths.people.show(episodes.inA.childId))).statusCode, 200)
      assert.equal((await north.get(paths.episodes.show(episodes.inB.id))).statusCode, 403)
      assert.ok((await denials(coordinator.id, 'episode.view')) > 0)
      assert.equal((await north.get(paths.people.show(episodes.inB.childId))).statusCode, 403)
      const dashboard = await north.get(paths.myWork.dashboard())
      assert.equal(dashboard.statusCode, 200)
      assert.match(dashboard.body, new RegExp(episodes.inA.reference))
      assert.doesNotMatch(dashboard.body, new RegExp(episodes.inB.reference))

      // A coordinator with no locality chosen coordinates the whole authority.
      const everywhere = await signIn(t, await buildUser(t, world.authorityId, { roles: ['coordinator'], agencyIds: [world.agencyId] }))
      assert.equal((await everywhere.get(paths.episodes.show(episodes.inA.id))).statusCode, 200)
      assert.equal((await everywhere.get(paths.episodes.show(episodes.inB.id))).statusCode, 200)
      const all = await everywhere.get(paths.myWork.dashboard())
      assert.match(all.body, new RegExp(episodes.inA.reference))
      assert.match(all.body, new RegExp(episodes.inB.reference))

      // Taking the coordinator role away clears the localities.
      const version2 = String(load((await admin.get(paths.admin.editUser(coordinator.id))).body)('input[name="version"]').val())
      assert.equal((await admin.post(paths.admin.editUser(coordinator.id), { roles: 'practitioner', agencyIds: world.agencyId, coordinatorLocalityIds: world.localityId, version: version2 })).statusCode, 303)
      assert.equal((await rows()).length, 0)
    })

    it('the lead moves an episode to the locality the family lives in now: its coordinators change at once (audited)', async () => {
      const db = t.database.db
      const moving = await episode('Movingchild', world.localityId, lead)
      const coordinatorOf = async (localityId: string, name: string) => {
        const user = await buildUser(t, world.authorityId, { roles: ['coordinator'], agencyIds: [world.agencyId], name })
        await db.insertInto('coordinatorLocalities').values({ authorityId: world.authorityId, userId: user.id, localityId }).execute()
        return { user, browser: await signIn(t, user) }
      }
      const north = await coordinatorOf(world.localityId, 'Nia North')
      const south = await coordinatorOf(localityB, 'Sol South')
      assert.equal((await north.browser.get(paths.episodes.show(moving.id))).statusCode, 200)
      assert.equal((await south.browser.get(paths.episodes.show(moving.id))).statusCode, 403)

      // The episode page shows the locality, with "Change" for the lead; not for a team member who is not the lead.
      const page = load((await leadBrowser.get(paths.episodes.show(moving.id))).body)
      const row = page('.govuk-summary-list__row').filter((_i, element) => page(element).find('dt').text().trim() === 'Locality')
      assert.match(row.text(), /Panelby Riverside/)
      assert.equal(row.find(`a[href="${paths.panels.locality(moving.id)}"]`).length, 1)
      assert.equal((await teamMateBrowser.get(paths.panels.locality(episodes.listed.id))).statusCode, 403)
      assert.equal((await memberBrowser.get(paths.panels.locality(moving.id))).statusCode, 403)

      const form = load((await leadBrowser.get(paths.panels.locality(moving.id))).body)
      assert.equal(form('input[name="localityId"]:checked').val(), world.localityId)
      const version = String(form('input[name="version"]').val())
      const locality = () => db.selectFrom('episodes').select(['localityId', 'version']).where('id', '=', moving.id).executeTakeFirstOrThrow()
      const before = await locality()

      // Bad input: nothing chosen, a locality of no one, the same locality, a stale version: 400, nothing changes.
      for (const [fields, message] of [
        [{ version }, 'Choose the locality the family lives in now'],
        [{ localityId: uuidv7(), version }, 'Choose the locality the family lives in now'],
        [{ localityId: world.localityId, version }, 'The episode is already in this locality: choose another, or go back'],
        [{ localityId: localityB, version: String(Number(version) + 5) }, 'Someone else changed this episode after you opened this page. Check the locality and save again'],
      ] as const) {
        const refused = await leadBrowser.post(paths.panels.locality(moving.id), fields)
        assert.equal(refused.statusCode, 400, JSON.stringify(fields))
        assert.deepEqual(errorSummary(refused.body), [message])
      }
      assert.deepEqual(await locality(), before)

      const moved = await leadBrowser.post(paths.panels.locality(moving.id), { localityId: localityB, version })
      assert.equal(moved.statusCode, 303)
      assert.equal(moved.headers.location, `${paths.episodes.show(moving.id)}?done=moved`)
      assert.equal((await locality()).localityId, localityB)
      assert.equal((await north.browser.get(paths.episodes.show(moving.id))).statusCode, 403)
      assert.equal((await south.browser.get(paths.episodes.show(moving.id))).statusCode, 200)
      const events = await db.selectFrom('auditEvents').select('details').where('action', '=', 'episode.locality').where('recordId', '=', moving.id).where('outcome', '=', 'allowed').where('actorUserId', '=', lead.id).execute()
      const changes = events.map(event => event.details as Record<string, unknown>).filter(details => details.change === 'locality')
      assert.deepEqual(changes.map(details => [details.from, details.to]), [[world.localityId, localityB]], 'the move is audited once, with where from and to; the refused attempts left nothing')

      // A coordinator of the new locality moves it back, and so loses it: they go back to their dashboard.
      const again = String(load((await south.browser.get(paths.panels.locality(moving.id))).body)('input[name="version"]').val())
      const back = await south.browser.post(paths.panels.locality(moving.id), { localityId: world.localityId, version: again })
      assert.equal(back.statusCode, 303)
      assert.equal(back.headers.location, paths.myWork.dashboard())
      assert.equal((await south.browser.get(paths.episodes.show(moving.id))).statusCode, 403)

      // A closed episode stays where it was.
      const closedForm = await leadBrowser.get(paths.panels.locality(episodes.closed.id))
      assert.match(closedForm.body, /This episode has ended: its locality cannot change/)
      const closedVersion = String((await db.selectFrom('episodes').select('version').where('id', '=', episodes.closed.id).executeTakeFirstOrThrow()).version)
      const refusedClosed = await leadBrowser.post(paths.panels.locality(episodes.closed.id), { localityId: localityB, version: closedVersion })
      assert.equal(refusedClosed.statusCode, 400)
    })
  })
}

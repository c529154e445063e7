import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { totpCode } from '../../lib/totp.ts'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import {
  buildAgency,
  buildAuthority,
  buildLocality,
  buildUser,
  signIn,
  type TestUser,
} from '../../../test/helpers/builders.ts'
import { newSecret, uuidv7 } from '../../lib/ids.ts'
import { hashSecret } from '../../lib/ids.ts'

let counter = 0
const unique = (prefix: string) => `${prefix} ${++counter}`

function inputValue(html: string, name: string): string | undefined {
  return load(html)(`[name="${name}"]`).first().attr('value')
}

for (const kind of databaseKinds()) {
  describe(`administration (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let authorityName: string
    let localityId: string
    let agencyId: string
    let admin: TestUser
    let adminBrowser: Browser

    before(async () => {
      t = await buildTestApp(kind)
      const authority = await buildAuthority(t)
      authorityId = authority.id
      authorityName = authority.name
      localityId = (await buildLocality(t, authorityId, 'Northfield')).id
      agencyId = (await buildAgency(t, authorityId, { name: 'Northfield Primary School', localityId })).id
      admin = await buildUser(t, authorityId, {
        roles: ['administrator'],
        agencyIds: [agencyId],
        name: 'Ada Administrator',
        email: 'ada.admin@example.org',
      })
      adminBrowser = await signIn(t, admin)
    })
    after(() => t.close())

    async function userRow(email: string) {
      return t.database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
    }

    it('shows the landing page with counts', async () => {
      const page = await adminBrowser.get('/admin')
      assert.equal(page.statusCode, 200)
      assert.equal(heading(page.body), 'Administration')
      const $ = load(page.body)
      assert.match($('main').text(), /1 locality/)
      assert.match($('main').text(), /1 active of 1/)
      for (const href of ['/admin/users', '/admin/agencies', '/admin/localities', '/admin/settings']) {
        assert.equal($(`main a[href="${href}"]`).length, 1, `links to ${href}`)
      }
    })

    it('invites a practitioner: outbox email with a link only, accepted, then signs in with a new authenticator', async () => {
      const form = await adminBrowser.get('/admin/users/new')
      assert.equal(form.statusCode, 200)
      const email = 'bola.new@example.org'
      const sent = await adminBrowser.post('/admin/users/new', {
        name: 'Bola Newcomer',
        email: 'Bola.New@Example.org',
        roles: ['practitioner', 'coordinator'],
        agencyIds: [agencyId],
      })
      assert.equal(sent.statusCode, 303, errorSummary(sent.body).join())
      const user = await userRow(email)
      assert.ok(user, 'the account exists, email stored in lower case')
      assert.equal(user.status, 'invited')
      assert.equal(user.passwordHash, null)
      assert.equal(sent.headers.location, `/admin/users/${user.id}?done=invited`)
      const roles = await t.database.db
        .selectFrom('userRoles')
        .select('role')
        .where('userId', '=', user.id)
        .orderBy('role')
        .execute()
      assert.deepEqual(
        roles.map(row => row.role),
        ['coordinator', 'practitioner'],
      )

      const messages = await t.database.db.selectFrom('outbox').selectAll().where('recipient', '=', email).execute()
      assert.equal(messages.length, 1)
      const message = messages[0]
      assert.ok(message)
      assert.equal(message.authorityId, authorityId)
      const link = message.bodyText.match(/\/accept-invitation\/([A-Za-z0-9_-]+)/)
      assert.ok(link?.[1], 'the email carries the invitation link')
      // Nothing personal but, at most, the invited person's own name: not the administrator, not the address itself.
      for (const personal of ['Ada', 'Administrator', admin.email, email, 'Northfield']) {
        assert.ok(!message.bodyText.includes(personal), `the email body mentions ${personal}`)
      }
      const audit = await t.database.db
        .selectFrom('auditEvents')
        .select(['action', 'outcome', 'recordType', 'recordId'])
        .where('authorityId', '=', authorityId)
        .where('action', '=', 'user.manage')
        .where('recordId', '=', user.id)
        .execute()
      assert.deepEqual(audit, [{ action: 'user.manage', outcome: 'allowed', recordType: 'user', recordId: user.id }])

      const userPage = await adminBrowser.get(String(sent.headers.location))
      assert.equal(userPage.statusCode, 200)
      assert.match(userPage.body, /The invitation has been sent/)
      assert.match(load(userPage.body)('.govuk-tag').text(), /Invited/)

      // The invited person accepts, chooses a password, sets up an authenticator and is signed in.
      const invitee = new Browser(t.app)
      const accept = await invitee.get(`/accept-invitation/${link[1]}`)
      assert.equal(accept.statusCode, 200)
      assert.match(accept.body, /Bola Newcomer/)
      const password = 'plum orchard lantern 42'
      const accepted = await invitee.post(`/accept-invitation/${link[1]}`, {
        newPassword: password,
        confirmPassword: password,
      })
      assert.equal(accepted.statusCode, 303, errorSummary(accepted.body).join())
      assert.equal((await userRow(email))?.status, 'active')
      const reused = await invitee.get(`/accept-invitation/${link[1]}`)
      assert.equal(reused.statusCode, 410, 'the link works once')

      await invitee.get('/sign-in')
      const signedIn = await invitee.post('/sign-in', { email, password })
      assert.equal(signedIn.statusCode, 303)
      assert.equal(signedIn.headers.location, '/sign-in/set-up-second-factor')
      const enrol = await invitee.get('/sign-in/set-up-second-factor')
      const secret = load(enrol.body)('.onestory-secret').text().replace(/\s/g, '')
      assert.ok(secret.length >= 16)
      const enrolled = await invitee.post('/sign-in/set-up-second-factor', { code: totpCode(secret, t.clock.now()) })
      assert.equal(enrolled.statusCode, 200)
      const home = await invitee.get('/')
      assert.equal(home.statusCode, 200)
      assert.match(heading(home.body), /Hello, Bola/)
    })

    it('sends an invitation again, and only to someone still invited', async () => {
      const invited = await buildUser(t, authorityId, { status: 'invited', withTotp: false, agencyIds: [agencyId] })
      const again = await adminBrowser.post(`/admin/users/${invited.id}/resend-invitation`)
      assert.equal(again.statusCode, 303)
      const messages = await t.database.db
        .selectFrom('outbox')
        .select('id')
        .where('recipient', '=', invited.email)
        .execute()
      assert.equal(messages.length, 1)
      const active = await buildUser(t, authorityId, { agencyIds: [agencyId] })
      const refused = await adminBrowser.post(`/admin/users/${active.id}/resend-invitation`)
      assert.equal(refused.statusCode, 422)
      assert.match(errorSummary(refused.body).join(), /already set up their account/)
      assert.equal(
        (await t.database.db.selectFrom('outbox').select('id').where('recipient', '=', active.email).execute()).length,
        0,
      )
    })

    it('refuses an invalid invitation with the error summary, keeps the answers, and changes nothing', async () => {
      const before = await t.database.db
        .selectFrom('users')
        .select(eb => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const outboxBefore = await t.database.db
        .selectFrom('outbox')
        .select(eb => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const response = await adminBrowser.post('/admin/users/new', { name: 'Cara Partial', email: 'not an email' })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(errorSummary(response.body), [
        'Enter an email address in the correct format, like name@example.org',
        'Choose at least one role',
        'Choose at least one agency',
      ])
      assert.equal(inputValue(response.body, 'name'), 'Cara Partial')
      assert.equal(inputValue(response.body, 'email'), 'not an email')
      assert.match(heading(response.body), /Invite a practitioner/)
      const afterwards = await t.database.db
        .selectFrom('users')
        .select(eb => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const outboxAfter = await t.database.db
        .selectFrom('outbox')
        .select(eb => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      assert.equal(Number(afterwards.n), Number(before.n))
      assert.equal(Number(outboxAfter.n), Number(outboxBefore.n))
      // An agency of another authority is not one of the choices.
      const other = await buildAuthority(t)
      const foreignAgency = await buildAgency(t, other.id)
      const foreign = await adminBrowser.post('/admin/users/new', {
        name: 'Dee',
        email: 'dee@example.org',
        roles: 'practitioner',
        agencyIds: foreignAgency.id,
      })
      assert.equal(foreign.statusCode, 422)
      assert.deepEqual(errorSummary(foreign.body), ['Choose agencies from the list'])
      assert.equal(await userRow('dee@example.org'), undefined)
      // Nor is an inactive agency of this authority.
      const closed = await buildAgency(t, authorityId, { name: unique('Closed Centre') })
      await t.database.db.updateTable('agencies').set({ active: false }).where('id', '=', closed.id).execute()
      const inactive = await adminBrowser.post('/admin/users/new', {
        name: 'Dee',
        email: 'dee@example.org',
        roles: 'practitioner',
        agencyIds: closed.id,
      })
      assert.equal(inactive.statusCode, 422)
      assert.deepEqual(errorSummary(inactive.body), ['Choose agencies from the list'])
      assert.ok(
        !load((await adminBrowser.get('/admin/users/new')).body)('main')
          .text()
          .includes('Closed Centre'),
        'not offered either',
      )
    })

    it('refuses a duplicate email address with a friendly inline message, whatever its case and authority', async () => {
      const other = await buildAuthority(t)
      const elsewhere = await buildUser(t, other.id, { email: 'taken.elsewhere@example.org' })
      for (const email of [admin.email.toUpperCase(), elsewhere.email]) {
        const response = await adminBrowser.post('/admin/users/new', {
          name: 'Duplicate',
          email,
          roles: 'practitioner',
          agencyIds: agencyId,
        })
        assert.equal(response.statusCode, 422)
        assert.deepEqual(errorSummary(response.body), [
          'There is already a OneStory account with this email address. Enter a different email address',
        ])
        assert.match(load(response.body)('#email-error').text(), /already a OneStory account/)
        assert.ok(!response.body.includes(other.name), 'does not say which authority has it')
      }
    })

    it('deactivates an account: its sessions end at once, its API tokens stop, and it is kept', async () => {
      const leaver = await buildUser(t, authorityId, { agencyIds: [agencyId], name: 'Lee Leaver' })
      const leaverBrowser = await signIn(t, leaver)
      const secondDevice = await signIn(t, leaver)
      assert.equal((await leaverBrowser.get('/account')).statusCode, 200)
      await t.database.db
        .insertInto('apiTokens')
        .values({
          authorityId,
          id: uuidv7(),
          userId: leaver.id,
          name: 'script',
          tokenHash: hashSecret(newSecret()),
          prefix: 'abcd1234',
          createdAt: new Date(),
        })
        .execute()

      const confirm = await adminBrowser.get(`/admin/users/${leaver.id}/deactivate`)
      assert.equal(confirm.statusCode, 200)
      assert.match(heading(confirm.body), /Deactivate the account of Lee Leaver/)
      const unconfirmed = await adminBrowser.post(`/admin/users/${leaver.id}/deactivate`, {})
      assert.equal(unconfirmed.statusCode, 400)
      assert.equal((await userRow(leaver.email))?.status, 'active')

      const response = await adminBrowser.post(`/admin/users/${leaver.id}/deactivate`, { confirm: 'yes' })
      assert.equal(response.statusCode, 303)
      const row = await userRow(leaver.email)
      assert.equal(row?.status, 'deactivated')
      assert.ok(row?.deactivatedAt)
      const sessions = await t.database.db
        .selectFrom('sessions')
        .select('idHash')
        .where('userId', '=', leaver.id)
        .execute()
      assert.equal(sessions.length, 0)
      const tokens = await t.database.db
        .selectFrom('apiTokens')
        .select('revokedAt')
        .where('userId', '=', leaver.id)
        .execute()
      assert.ok(tokens.every(token => token.revokedAt !== null))
      for (const browser of [leaverBrowser, secondDevice]) {
        const refused = await browser.get('/account')
        assert.equal(refused.statusCode, 303, 'the old cookie no longer works')
        assert.match(String(refused.headers.location), /^\/sign-in/)
      }
      const again = new Browser(t.app)
      await again.get('/sign-in')
      assert.equal((await again.post('/sign-in', { email: leaver.email, password: leaver.password })).statusCode, 401)
      const page = await adminBrowser.get(`/admin/users/${leaver.id}`)
      assert.match(load(page.body)('.govuk-tag').text(), /Deactivated/)
    })

    it('does not let administrators deactivate themselves or remove their own administrator role', async () => {
      const self = await adminBrowser.post(`/admin/users/${admin.id}/deactivate`, { confirm: 'yes' })
      assert.equal(self.statusCode, 422)
      assert.deepEqual(errorSummary(self.body), [
        'You cannot deactivate your own account. Ask another administrator to do it',
      ])
      assert.equal((await userRow(admin.email))?.status, 'active')

      const form = await adminBrowser.get(`/admin/users/${admin.id}/edit`)
      const version = inputValue(form.body, 'version')
      assert.ok(version)
      const demote = await adminBrowser.post(`/admin/users/${admin.id}/edit`, {
        roles: 'practitioner',
        agencyIds: agencyId,
        version,
      })
      assert.equal(demote.statusCode, 422)
      assert.deepEqual(errorSummary(demote.body), [
        'You cannot remove your own administrator role. Ask another administrator to do it',
      ])
      const roles = await t.database.db.selectFrom('userRoles').select('role').where('userId', '=', admin.id).execute()
      assert.deepEqual(
        roles.map(row => row.role),
        ['administrator'],
      )
      // Adding a role to oneself is fine.
      const promote = await adminBrowser.post(`/admin/users/${admin.id}/edit`, {
        roles: ['administrator', 'manager'],
        agencyIds: agencyId,
        version,
      })
      assert.equal(promote.statusCode, 303)
    })

    it('changes roles and agencies, and refuses a stale version with the conflict shown', async () => {
      const secondAgency = await buildAgency(t, authorityId, {
        name: unique('Riverside Health Visiting'),
        kind: 'health_visiting',
      })
      const person = await buildUser(t, authorityId, { agencyIds: [agencyId], roles: ['practitioner'] })
      const personBrowser = await signIn(t, person)
      const first = await adminBrowser.get(`/admin/users/${person.id}/edit`)
      const version = inputValue(first.body, 'version')
      assert.ok(version)
      const saved = await adminBrowser.post(`/admin/users/${person.id}/edit`, {
        roles: ['manager'],
        agencyIds: [secondAgency.id],
        version,
      })
      assert.equal(saved.statusCode, 303)
      const roles = await t.database.db.selectFrom('userRoles').select('role').where('userId', '=', person.id).execute()
      assert.deepEqual(
        roles.map(row => row.role),
        ['manager'],
      )
      const session = await t.database.db
        .selectFrom('sessions')
        .select('actingAgencyId')
        .where('userId', '=', person.id)
        .executeTakeFirst()
      assert.equal(
        session?.actingAgencyId,
        secondAgency.id,
        'a session acting for a removed agency moves to a remaining one',
      )
      assert.equal((await personBrowser.get('/account')).statusCode, 200)

      // A second administrator's form, opened before the change above, is now stale.
      const stale = await adminBrowser.post(`/admin/users/${person.id}/edit`, {
        roles: ['coordinator'],
        agencyIds: [agencyId],
        version,
      })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body).join(), /Someone else changed this account after you opened this page/)
      assert.match(load(stale.body)('.govuk-inset-text').text(), /Manager/)
      const after = await t.database.db.selectFrom('userRoles').select('role').where('userId', '=', person.id).execute()
      assert.deepEqual(
        after.map(row => row.role),
        ['manager'],
        'nothing was overwritten',
      )
      // The form carries the new version, so saving again works.
      const retry = await adminBrowser.post(`/admin/users/${person.id}/edit`, {
        roles: ['coordinator'],
        agencyIds: [agencyId],
        version: inputValue(stale.body, 'version') ?? '',
      })
      assert.equal(retry.statusCode, 303)
    })

    it('ends all sessions of a user, and resets their second factor so that they enrol again', async () => {
      const person = await buildUser(t, authorityId, { agencyIds: [agencyId] })
      const browser = await signIn(t, person)
      const ended = await adminBrowser.post(`/admin/users/${person.id}/end-sessions`)
      assert.equal(ended.statusCode, 303)
      assert.equal((await browser.get('/account')).statusCode, 303)

      const again = await signIn(t, person)
      const reset = await adminBrowser.post(`/admin/users/${person.id}/reset-second-factor`, { confirm: 'yes' })
      assert.equal(reset.statusCode, 303)
      const row = await userRow(person.email)
      assert.equal(row?.totpSecret, null)
      assert.equal(row?.totpEnabledAt, null)
      assert.deepEqual(row?.recoveryCodeHashes, [])
      assert.equal((await again.get('/account')).statusCode, 303)
      const next = new Browser(t.app)
      await next.get('/sign-in')
      const signedIn = await next.post('/sign-in', { email: person.email, password: person.password })
      assert.equal(signedIn.headers.location, '/sign-in/set-up-second-factor')
      const own = await adminBrowser.post(`/admin/users/${admin.id}/reset-second-factor`, { confirm: 'yes' })
      assert.equal(own.statusCode, 422)
    })

    it('lists accounts 25 to a page and searches by name or email', async () => {
      const searchAuthority = await buildAuthority(t)
      const searchAdmin = await buildUser(t, searchAuthority.id, { roles: ['administrator'], name: 'Zed Admin' })
      for (let index = 0; index < 27; index++) {
        await buildUser(t, searchAuthority.id, {
          name: `Person ${String(index).padStart(2, '0')}`,
          email: `person${index}.${searchAuthority.id.slice(-6)}@example.org`,
        })
      }
      await buildUser(t, searchAuthority.id, {
        name: 'Percy 100%_match',
        email: `percy.${searchAuthority.id.slice(-6)}@example.org`,
      })
      const browser = await signIn(t, searchAdmin)
      const first = await browser.get('/admin/users')
      assert.equal(first.statusCode, 200)
      const $ = load(first.body)
      assert.equal($('tbody tr').length, 25)
      assert.match($('main').text(), /Showing 1 to 25 of 29 accounts/)
      assert.equal($('.govuk-pagination__next a').attr('href'), '/admin/users?page=2')
      const second = load((await browser.get('/admin/users?page=2')).body)
      assert.equal(second('tbody tr').length, 4)
      const beyond = load((await browser.get('/admin/users?page=99')).body)
      assert.equal(beyond('tbody tr').length, 4, 'a page past the end shows the last page')
      const search = load((await browser.get('/admin/users?q=person%2012')).body)
      assert.deepEqual(
        search('tbody tr td:first-child')
          .map((_i, el) => search(el).text())
          .get(),
        ['Person 12'],
      )
      const byEmail = load((await browser.get(`/admin/users?q=PERCY.${searchAuthority.id.slice(-6)}`)).body)
      assert.equal(byEmail('tbody tr').length, 1)
      const wildcard = load((await browser.get('/admin/users?q=%25_')).body)
      assert.deepEqual(
        wildcard('tbody tr td:first-child')
          .map((_i, el) => wildcard(el).text())
          .get(),
        ['Percy 100%_match'],
        '% and _ are searched for literally',
      )
      const none = load((await browser.get('/admin/users?q=Ada')).body)
      assert.equal(none('tbody tr').length, 0, 'accounts of another authority are never listed')
      const listRead = await t.database.db
        .selectFrom('auditEvents')
        .select(['recordType', 'details'])
        .where('actorUserId', '=', searchAdmin.id)
        .where('action', '=', 'user.list')
        .execute()
      assert.ok(listRead.length >= 5 && listRead.every(event => event.recordType === 'user'))
      assert.ok(!JSON.stringify(listRead).includes('Percy'), 'the search term is not written to the audit log')
    })

    it('adds and renames localities, with a friendly message for a name already used and for a stale form', async () => {
      const added = await adminBrowser.post('/admin/localities/new', { name: 'Southgate' })
      assert.equal(added.statusCode, 303)
      const list = await adminBrowser.get('/admin/localities')
      assert.match(list.body, /Southgate/)
      const duplicate = await adminBrowser.post('/admin/localities/new', { name: 'SOUTHGATE' })
      assert.equal(duplicate.statusCode, 422)
      assert.deepEqual(errorSummary(duplicate.body), [
        'There is already a locality called SOUTHGATE. Enter a different name',
      ])
      const blank = await adminBrowser.post('/admin/localities/new', { name: '   ' })
      assert.equal(blank.statusCode, 400)
      assert.deepEqual(errorSummary(blank.body), ['Enter the locality name'])
      const row = await t.database.db
        .selectFrom('localities')
        .select(['id', 'version'])
        .where('authorityId', '=', authorityId)
        .where('name', '=', 'Southgate')
        .executeTakeFirstOrThrow()
      const localities = await t.database.db
        .selectFrom('localities')
        .select('id')
        .where('authorityId', '=', authorityId)
        .execute()
      assert.equal(localities.length, 2)

      const form = await adminBrowser.get(`/admin/localities/${row.id}`)
      const version = inputValue(form.body, 'version')
      assert.equal(version, String(row.version))
      const renamed = await adminBrowser.post(`/admin/localities/${row.id}`, {
        name: 'South Gate',
        version: String(version),
      })
      assert.equal(renamed.statusCode, 303)
      const stale = await adminBrowser.post(`/admin/localities/${row.id}`, {
        name: 'Southgate Town',
        version: String(version),
      })
      assert.equal(stale.statusCode, 409)
      assert.deepEqual(errorSummary(stale.body), [
        'Someone else changed this locality after you opened this page. It is now called South Gate. What is saved now is shown below: check your answers and save again',
      ])
      assert.equal(inputValue(stale.body, 'name'), 'Southgate Town', 'what was typed is kept')
      const saved = await t.database.db
        .selectFrom('localities')
        .select(['name', 'version'])
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow()
      assert.deepEqual(saved, { name: 'South Gate', version: row.version + 1 })
      const clash = await adminBrowser.post(`/admin/localities/${row.id}`, {
        name: 'northfield',
        version: String(saved.version),
      })
      assert.equal(clash.statusCode, 422)
      assert.match(errorSummary(clash.body).join(), /There is already a locality called northfield/)
    })

    it('adds, filters and edits agencies, and shows active ones in the directory for practitioners', async () => {
      const form = await adminBrowser.get('/admin/agencies/new')
      assert.equal(form.statusCode, 200)
      const fields = {
        name: 'Brightstart Family Hub',
        kind: 'early_years',
        localityId,
        description: 'Play sessions and parenting help for families with children under 5.',
        email: 'Hub@Brightstart.example.org',
        phone: '01632 960 123',
        address: '1 Market Street\nNorthfield',
        active: 'yes',
      }
      const added = await adminBrowser.post('/admin/agencies/new', fields)
      assert.equal(added.statusCode, 303, errorSummary(added.body).join())
      const agency = await t.database.db
        .selectFrom('agencies')
        .selectAll()
        .where('name', '=', fields.name)
        .executeTakeFirstOrThrow()
      assert.equal(agency.email, 'hub@brightstart.example.org')
      assert.equal(agency.address, '1 Market Street\nNorthfield')
      const duplicate = await adminBrowser.post('/admin/agencies/new', { ...fields, name: 'brightstart family hub' })
      assert.equal(duplicate.statusCode, 422)
      assert.match(errorSummary(duplicate.body).join(), /There is already an agency called brightstart family hub/)
      const invalid = await adminBrowser.post('/admin/agencies/new', {
        ...fields,
        name: 'Other',
        kind: 'spaceship',
        email: 'nope',
        phone: 'call me',
      })
      assert.equal(invalid.statusCode, 400)
      assert.deepEqual(errorSummary(invalid.body), [
        'Choose the kind of agency',
        'Enter an email address in the correct format, like team@example.org',
        'Enter a phone number, like 01632 960 001 or +44 808 157 0192',
      ])
      assert.equal(inputValue(invalid.body, 'name'), 'Other')

      const filtered = load((await adminBrowser.get('/admin/agencies?kind=early_years')).body)
      assert.deepEqual(
        filtered('tbody tr td:first-child')
          .map((_i, el) => filtered(el).text())
          .get(),
        ['Brightstart Family Hub'],
      )
      const byLocality = load((await adminBrowser.get(`/admin/agencies?localityId=${localityId}&kind=school`)).body)
      assert.deepEqual(
        byLocality('tbody tr td:first-child')
          .map((_i, el) => byLocality(el).text())
          .get(),
        ['Northfield Primary School'],
      )
      assert.equal(
        (await adminBrowser.get('/admin/agencies?kind=%00&localityId=nope')).statusCode,
        200,
        'bad filters are ignored',
      )

      const edit = await adminBrowser.get(`/admin/agencies/${agency.id}`)
      assert.equal(inputValue(edit.body, 'name'), fields.name)
      const version = inputValue(edit.body, 'version') ?? ''
      const deactivated = await adminBrowser.post(`/admin/agencies/${agency.id}`, { ...fields, active: 'no', version })
      assert.equal(deactivated.statusCode, 303)
      const stale = await adminBrowser.post(`/admin/agencies/${agency.id}`, {
        ...fields,
        description: 'Changed again',
        version,
      })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body).join(), /Someone else changed this agency/)
      assert.equal(
        (
          await t.database.db
            .selectFrom('agencies')
            .select('active')
            .where('id', '=', agency.id)
            .executeTakeFirstOrThrow()
        ).active,
        false,
      )

      const practitioner = await buildUser(t, authorityId, { agencyIds: [agencyId] })
      const browser = await signIn(t, practitioner)
      const activeHub = await adminBrowser.post('/admin/agencies/new', {
        ...fields,
        name: 'Wide Area Parent Advice',
        kind: 'parent_advice',
        localityId: '',
        description: 'Advice for parents anywhere in the area.',
      })
      assert.equal(activeHub.statusCode, 303)
      const directory = await browser.get('/agencies')
      assert.equal(directory.statusCode, 200)
      const $ = load(directory.body)
      const headings = $('main h2')
        .map((_i, el) => $(el).text())
        .get()
      assert.ok(headings.indexOf('Schools') < headings.indexOf('Parent advice services'), 'grouped by kind in order')
      assert.ok(!directory.body.includes('Brightstart Family Hub'), 'inactive agencies are not listed')
      assert.match($('main').text(), /Northfield Primary School/)
      assert.match(directory.body, /Advice for parents anywhere in the area\./)
      assert.match(directory.body, /mailto:hub@brightstart.example.org/)
      const otherLocality = await buildLocality(t, authorityId, unique('Eastwick'))
      const east = await browser.get(`/agencies?localityId=${otherLocality.id}`)
      const eastMain = load(east.body)('main').text()
      assert.ok(!eastMain.includes('Northfield Primary School'), 'another locality’s agencies are filtered out')
      assert.match(eastMain, /Wide Area Parent Advice/, 'agencies for the whole area are always shown')
      assert.equal((await browser.get('/agencies?localityId=%27%20or%201=1')).statusCode, 200)
      assert.equal((await browser.get('/admin/agencies')).statusCode, 403, 'a practitioner cannot manage agencies')
    })

    it('allows switching the authenticator requirement off only with a single sign-on issuer', async () => {
      const page = await adminBrowser.get('/admin/settings')
      assert.equal(page.statusCode, 200)
      assert.match(load(page.body)('.govuk-summary-list').text(), /England/)
      const version = inputValue(page.body, 'version') ?? ''
      const refused = await adminBrowser.post('/admin/settings', {
        authorityName: authorityName,
        singleSignOnIssuer: '',
        secondFactorRequired: 'no',
        version,
      })
      assert.equal(refused.statusCode, 422)
      assert.match(errorSummary(refused.body).join(), /unless they sign in through your own single sign-on service/)
      const badUrl = await adminBrowser.post('/admin/settings', {
        authorityName: authorityName,
        singleSignOnIssuer: 'http://insecure.example.org',
        secondFactorRequired: 'no',
        version,
      })
      assert.equal(badUrl.statusCode, 400)
      assert.deepEqual(errorSummary(badUrl.body), [
        'Enter the single sign-on issuer URL in the correct format, starting with https://',
      ])
      let row = await t.database.db
        .selectFrom('authorities')
        .selectAll()
        .where('id', '=', authorityId)
        .executeTakeFirstOrThrow()
      assert.equal(row.secondFactorRequired, true)
      assert.equal(row.singleSignOnIssuer, null)

      const saved = await adminBrowser.post('/admin/settings', {
        authorityName: `${authorityName} Partnership`,
        singleSignOnIssuer: 'https://login.example.org/tenant/v2.0',
        secondFactorRequired: 'no',
        version,
      })
      assert.equal(saved.statusCode, 303, errorSummary(saved.body).join())
      row = await t.database.db
        .selectFrom('authorities')
        .selectAll()
        .where('id', '=', authorityId)
        .executeTakeFirstOrThrow()
      assert.deepEqual(
        [row.name, row.singleSignOnIssuer, row.secondFactorRequired],
        [`${authorityName} Partnership`, 'https://login.example.org/tenant/v2.0', false],
      )
      // Removing the issuer while the authenticator is off is refused too.
      const current = inputValue((await adminBrowser.get('/admin/settings')).body, 'version') ?? ''
      const removeIssuer = await adminBrowser.post('/admin/settings', {
        authorityName: row.name,
        singleSignOnIssuer: '',
        secondFactorRequired: 'no',
        version: current,
      })
      assert.equal(removeIssuer.statusCode, 422)
      const stale = await adminBrowser.post('/admin/settings', {
        authorityName: 'Stale name',
        singleSignOnIssuer: '',
        secondFactorRequired: 'yes',
        version,
      })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body).join(), /Someone else changed these settings/)
      const restored = await adminBrowser.post('/admin/settings', {
        authorityName: authorityName,
        singleSignOnIssuer: '',
        secondFactorRequired: 'yes',
        version: current,
      })
      assert.equal(restored.statusCode, 303)
      const nation = await t.database.db
        .selectFrom('authorities')
        .select('nation')
        .where('id', '=', authorityId)
        .executeTakeFirstOrThrow()
      assert.equal(nation.nation, 'england')
    })

    it('gives 404 for a malformed or unknown id, and 403 for a form without its CSRF token', async () => {
      for (const url of [
        '/admin/users/not-a-uuid',
        `/admin/users/${uuidv7()}`,
        '/admin/localities/%00',
        `/admin/agencies/${uuidv7()}`,
        '/admin/users/1%27%20or%20%271/edit',
      ]) {
        assert.equal((await adminBrowser.get(url)).statusCode, 404, url)
      }
      assert.equal((await adminBrowser.post('/admin/users/not-a-uuid/deactivate', { confirm: 'yes' })).statusCode, 404)
      const noCsrf = await adminBrowser.post('/admin/localities/new', { name: 'No token', _csrf: '' })
      assert.equal(noCsrf.statusCode, 403)
      const none = await t.database.db.selectFrom('localities').select('id').where('name', '=', 'No token').execute()
      assert.equal(none.length, 0)
    })

    it('lists agency names for the account page of a practitioner with several agencies', async () => {
      const second = await buildAgency(t, authorityId, { name: unique('Second Agency') })
      const person = await buildUser(t, authorityId, { agencyIds: [agencyId, second.id] })
      const browser = await signIn(t, person)
      const account = await browser.get('/account')
      const $ = load(account.body)
      assert.deepEqual(
        $('input[name="agencyId"]')
          .map((_i, el) => $(el).attr('value'))
          .get(),
        [agencyId, second.id],
      )
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { installShippedTemplates, installShippedTemplatesWhereMissing, TemplateVersionConflictError } from './templates.service.ts'
import { findLatestTemplateVersion, findTemplateVersion } from './templates.repository.ts'
import { elementField, newElementField, questionField } from './templates.editor.ts'

/** The editor's fields as the page gives them (inputs, textareas, ticked boxes), with changes applied. */
function formFields(html: string, changes: Record<string, string | null> = {}): Record<string, string> {
  const $ = load(html)
  const fields: Record<string, string> = {}
  $('form[method="post"] input, form[method="post"] textarea').each((_i, element) => {
    const name = $(element).attr('name')
    if (!name) return
    const type = $(element).attr('type')
    if (type === 'checkbox') {
      if ($(element).attr('checked') !== undefined) fields[name] = String($(element).attr('value'))
      return
    }
    fields[name] = element.tagName === 'textarea' ? $(element).text() : String($(element).attr('value') ?? '')
  })
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete fields[key]
    else fields[key] = value
  }
  return fields
}

for (const kind of databaseKinds()) {
  describe(`assessment templates (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let admin: TestUser
    let adminBrowser: Browser
    let practitionerBrowser: Browser
    let otherAuthorityVersionId: string

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      const agencyId = (await buildAgency(t, authorityId)).id
      admin = await buildUser(t, authorityId, { roles: ['administrator'], agencyIds: [agencyId] })
      const practitioner = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId] })
      adminBrowser = await signIn(t, admin)
      practitionerBrowser = await signIn(t, practitioner)
      const other = await buildAuthority(t)
      const found = await findLatestTemplateVersion(t.database.db, other.id, 'caf-standard')
      assert.ok(found)
      otherAuthorityVersionId = found.id
    })
    after(() => t.close())

    async function versions(templateKey: string) {
      return t.database.db
        .selectFrom('assessmentTemplateVersions')
        .select(['id', 'versionNumber', 'name', 'basedOnVersionId', 'createdByUserId', 'changeSummary', sql<string>`content::text`.as('content')])
        .where('authorityId', '=', authorityId)
        .where('templateKey', '=', templateKey)
        .orderBy('versionNumber')
        .execute()
    }

    async function standardV1() {
      const found = await t.database.db
        .selectFrom('assessmentTemplateVersions')
        .select('id')
        .where('authorityId', '=', authorityId)
        .where('templateKey', '=', 'caf-standard')
        .where('versionNumber', '=', 1)
        .executeTakeFirstOrThrow()
      return found.id
    }

    it('installs version 1 of each shipped template for a new authority: 19 elements in 3 domains, one risk question', async () => {
      const rows = await t.database.db
        .selectFrom('assessmentTemplateVersions')
        .select(['templateKey', 'versionNumber', 'nation'])
        .where('authorityId', '=', authorityId)
        .orderBy('templateKey')
        .execute()
      assert.deepEqual(rows, [
        { templateKey: 'caf-standard', versionNumber: 1, nation: 'england' },
        { templateKey: 'caf-whole-family', versionNumber: 1, nation: 'england' },
        { templateKey: 'wales-families-first', versionNumber: 1, nation: 'wales' },
      ])
      const caf = await findLatestTemplateVersion(t.database.db, authorityId, 'caf-standard')
      assert.ok(caf)
      assert.equal(caf.content.domains.length, 3)
      assert.equal(caf.content.domains.flatMap(domain => domain.elements).length, 19)
      assert.equal(caf.content.checklist.filter(question => question.riskOfSignificantHarm).length, 1)
      assert.deepEqual(await findTemplateVersion(t.database.db, authorityId, caf.id), caf)
      assert.equal(await findTemplateVersion(t.database.db, authorityId, 'not-a-uuid'), undefined)
      assert.equal(await findTemplateVersion(t.database.db, authorityId, otherAuthorityVersionId), undefined, 'another authority’s version is not found')
    })

    it('installs idempotently, and at start-up only for authorities that lack templates', async () => {
      assert.equal(await installShippedTemplates(t.database.db, authorityId, new Date()), 0)
      assert.equal(await installShippedTemplatesWhereMissing(t.database.db, new Date()), 0)
      const bare = crypto.randomUUID()
      await t.database.db.insertInto('authorities').values({ id: bare, name: 'Older Council', nation: 'wales' }).execute()
      assert.equal(await installShippedTemplatesWhereMissing(t.database.db, new Date()), 3)
      assert.equal(await installShippedTemplatesWhereMissing(t.database.db, new Date()), 0)
      const count = await t.database.db.selectFrom('assessmentTemplateVersions').select(eb => eb.fn.countAll<number>().as('n')).where('authorityId', '=', bare).executeTakeFirstOrThrow()
      assert.equal(Number(count.n), 3)
    })

    it('lists templates and shows every domain, element, prompt and the checklist, to any practitioner', async () => {
      const list = await practitionerBrowser.get('/admin/assessment-templates')
      assert.equal(list.statusCode, 200)
      assert.equal(heading(list.body), 'Assessment templates')
      const $ = load(list.body)
      assert.match($('main table').text(), /Common Assessment Framework \(standard\)/)
      assert.match($('main table').text(), /Families First assessment \(Wales\)/)
      const page = await practitionerBrowser.get(`/admin/assessment-templates/${await standardV1()}`)
      assert.equal(page.statusCode, 200)
      const p = load(page.body)
      assert.equal(p('main h2').filter((_i, el) => p(el).text() === 'Development of the child or young person').length, 1)
      assert.equal(p('main h3').length, 19)
      assert.match(p('main').text(), /Hearing and vision, and any sensory needs/)
      assert.match(p('main').text(), /risk of significant harm/i)
      assert.equal(p('a[href$="/new-version"]').length, 0, 'a practitioner is not offered the editor')
    })

    it('makes version 2 (rename, edit prompts, remove, add) and leaves version 1 unchanged', async () => {
      const v1 = await standardV1()
      const before = await versions('caf-standard')
      const editor = await adminBrowser.get(`/admin/assessment-templates/${v1}/new-version`)
      assert.equal(editor.statusCode, 200)
      const fields = formFields(editor.body, {
        [elementField('child-development', 'general-health', 'title')]: 'Health',
        [elementField('child-development', 'general-health', 'prompts')]: 'Registered with a GP\nImmunisations up to date',
        [elementField('family-and-environment', 'wider-family', 'remove')]: 'yes',
        [newElementField('family-and-environment', 'title')]: 'Young carers',
        [newElementField('family-and-environment', 'prompts')]: 'Who the child cares for\nSupport for the young carer',
        [questionField('needs-beyond-one-service', 'remove')]: 'yes',
        changeSummary: 'Northshire changes agreed by the early help board',
      })
      const saved = await adminBrowser.post(`/admin/assessment-templates/${v1}/new-version`, fields)
      assert.equal(saved.statusCode, 303, errorSummary(saved.body).join())
      const after = await versions('caf-standard')
      assert.equal(after.length, 2)
      assert.deepEqual(after[0], before[0], 'version 1 is unchanged')
      const v2 = after[1]
      assert.ok(v2)
      assert.equal(v2.versionNumber, 2)
      assert.equal(v2.basedOnVersionId, v1)
      assert.equal(v2.createdByUserId, admin.id)
      assert.equal(v2.changeSummary, 'Northshire changes agreed by the early help board')
      assert.equal(saved.headers.location, `/admin/assessment-templates/${v2.id}?done=version-made`)

      const latest = await findLatestTemplateVersion(t.database.db, authorityId, 'caf-standard')
      assert.ok(latest)
      assert.equal(latest.id, v2.id)
      const elements = latest.content.domains.flatMap(domain => domain.elements)
      assert.equal(elements.length, 19)
      assert.deepEqual(elements[0], { key: 'general-health', title: 'Health', prompts: ['Registered with a GP', 'Immunisations up to date'] })
      assert.ok(!elements.some(element => element.key === 'wider-family'))
      assert.deepEqual(elements.at(-1), { key: 'young-carers', title: 'Young carers', prompts: ['Who the child cares for', 'Support for the young carer'] })
      assert.equal(latest.content.checklist.length, 4)
      assert.equal(latest.content.checklist.filter(question => question.riskOfSignificantHarm).length, 1)

      const audit = await t.database.db
        .selectFrom('auditEvents')
        .select(['action', 'outcome', 'recordType', 'recordId'])
        .where('authorityId', '=', authorityId)
        .where('action', '=', 'assessment-template.manage')
        .where('outcome', '=', 'allowed')
        .execute()
      assert.deepEqual(audit, [{ action: 'assessment-template.manage', outcome: 'allowed', recordType: 'assessment-template', recordId: v2.id }])

      const shown = await adminBrowser.follow(saved)
      assert.match(shown.body, /The new version has been saved/)
      assert.equal(heading(shown.body), 'Common Assessment Framework (standard), version 2')
      const old = await adminBrowser.get(`/admin/assessment-templates/${v1}`)
      assert.equal(old.statusCode, 200)
      assert.match(load(old.body)('main').text(), /This is an older version/)
      assert.match(load(old.body)('main').text(), /Wider family/)
    })

    it('refuses invalid edits with the error summary, keeps the answers, and changes nothing', async () => {
      const latest = await findLatestTemplateVersion(t.database.db, authorityId, 'caf-standard')
      assert.ok(latest)
      const before = await versions('caf-standard')
      const editor = await adminBrowser.get(`/admin/assessment-templates/${latest.id}/new-version`)
      const risk = questionField('risk-of-significant-harm', 'remove')
      const fields = formFields(editor.body, {
        [risk]: 'yes',
        [elementField('child-development', 'aspirations', 'title')]: '',
        [elementField('child-development', 'identity', 'prompts')]: 'Kept prompt typed by the administrator',
        changeSummary: 'Trying',
      })
      const refused = await adminBrowser.post(`/admin/assessment-templates/${latest.id}/new-version`, fields)
      assert.equal(refused.statusCode, 400)
      const messages = errorSummary(refused.body)
      assert.ok(messages.some(message => /cannot remove the question about risk of significant harm/.test(message)), messages.join())
      assert.ok(messages.some(message => /Enter a name for the element Aspirations/.test(message)), messages.join())
      const $ = load(refused.body)
      // The form has no box to remove the risk question (this one was crafted): the message links to the question.
      const riskQuestion = questionField('risk-of-significant-harm', 'question')
      assert.equal($(`a[href="#${riskQuestion}"]`).length, 1)
      assert.equal($(`#${riskQuestion}`).length, 1)
      assert.equal($(`#${risk}`).length, 0)
      assert.equal($(`textarea[name="${elementField('child-development', 'identity', 'prompts')}"]`).text(), 'Kept prompt typed by the administrator')
      assert.deepEqual(await versions('caf-standard'), before)

      const { [risk]: _removed, ...withoutRisk } = fields
      const unknown = await adminBrowser.post(`/admin/assessment-templates/${latest.id}/new-version`, { ...withoutRisk, [elementField('child-development', 'aspirations', 'title')]: 'Hopes', sneaky: 'x' })
      assert.equal(unknown.statusCode, 400)
      assert.match(errorSummary(unknown.body).join(), /does not accept \(sneaky\)/)
      assert.deepEqual(await versions('caf-standard'), before)
    })

    it('refuses a stale save with a conflict, not a 500; two saves at once make one version', async () => {
      const v1 = await standardV1()
      const before = await versions('caf-standard')
      const editor = await adminBrowser.get(`/admin/assessment-templates/${v1}/new-version`)
      const fields = formFields(editor.body, { name: 'Renamed again', changeSummary: 'Rename', expectedLatestVersion: '1' })
      const stale = await adminBrowser.post(`/admin/assessment-templates/${v1}/new-version`, fields)
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body).join(), /Someone else made version 2 of this template after you opened this page/)
      assert.equal(load(stale.body)('input[name="name"]').attr('value'), 'Renamed again')
      assert.equal(load(stale.body)('input[name="expectedLatestVersion"]').attr('value'), '2')
      assert.deepEqual(await versions('caf-standard'), before)

      const latest = await findLatestTemplateVersion(t.database.db, authorityId, 'caf-whole-family')
      assert.ok(latest)
      const context = { actor: { kind: 'system' as const, authorityId, name: 'test' }, ip: null, requestId: 'test' }
      const edit = { name: 'Whole family (ours)', changeSummary: 'Race', content: latest.content, expectedLatestVersion: 1 }
      const results = await Promise.allSettled([
        t.app.services.assessmentTemplates.makeNewVersion(context, latest.id, edit),
        t.app.services.assessmentTemplates.makeNewVersion(context, latest.id, edit),
      ])
      assert.equal(results.filter(result => result.status === 'fulfilled').length, 1)
      const failure = results.find(result => result.status === 'rejected')
      assert.ok(failure && failure.status === 'rejected' && failure.reason instanceof TemplateVersionConflictError, String(failure && 'reason' in failure ? failure.reason : ''))
      assert.equal((await versions('caf-whole-family')).length, 2)
    })

    it('copies a version as the authority’s own template family', async () => {
      const wales = await findLatestTemplateVersion(t.database.db, authorityId, 'wales-families-first')
      assert.ok(wales)
      const form = await adminBrowser.get(`/admin/assessment-templates/${wales.id}/copy`)
      assert.equal(form.statusCode, 200)
      const blank = await adminBrowser.post(`/admin/assessment-templates/${wales.id}/copy`, { name: '' })
      assert.equal(blank.statusCode, 400)
      assert.deepEqual(errorSummary(blank.body), ['Enter a name for the new template'])
      const taken = await adminBrowser.post(`/admin/assessment-templates/${wales.id}/copy`, { name: 'families first assessment (wales)' })
      assert.equal(taken.statusCode, 422)
      const made = await adminBrowser.post(`/admin/assessment-templates/${wales.id}/copy`, { name: 'Cwmshire family assessment' })
      assert.equal(made.statusCode, 303, errorSummary(made.body).join())
      const copy = await findLatestTemplateVersion(t.database.db, authorityId, 'cwmshire-family-assessment')
      assert.ok(copy)
      assert.equal(copy.versionNumber, 1)
      assert.equal(copy.basedOnVersionId, wales.id)
      assert.equal(copy.nation, 'wales')
      assert.deepEqual(copy.content, wales.content)
    })

    it('refuses a non-administrator (403, audited as denied) before reading the form', async () => {
      const v1 = await standardV1()
      const before = await versions('caf-standard')
      for (const url of [`/admin/assessment-templates/${v1}/new-version`, `/admin/assessment-templates/${v1}/copy`]) {
        assert.equal((await practitionerBrowser.get(url)).statusCode, 403)
        assert.equal((await practitionerBrowser.post(url, { name: 'Taken over' })).statusCode, 403)
      }
      assert.deepEqual(await versions('caf-standard'), before)
      const denied = await t.database.db
        .selectFrom('auditEvents')
        .select(['action', 'outcome'])
        .where('authorityId', '=', authorityId)
        .where('action', '=', 'assessment-template.manage')
        .where('outcome', '=', 'denied')
        .execute()
      assert.equal(denied.length, 4)
    })

    it('answers 404 for another authority’s template and for a malformed id; 403 without the CSRF token', async () => {
      for (const id of [otherAuthorityVersionId, 'not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
        assert.equal((await adminBrowser.get(`/admin/assessment-templates/${id}`)).statusCode, 404)
        assert.equal((await adminBrowser.get(`/admin/assessment-templates/${id}/new-version`)).statusCode, 404)
        assert.equal((await adminBrowser.post(`/admin/assessment-templates/${id}/new-version`, { name: 'x' })).statusCode, 404)
        assert.equal((await adminBrowser.post(`/admin/assessment-templates/${id}/copy`, { name: 'Stolen' })).statusCode, 404)
      }
      const v1 = await standardV1()
      const before = await versions('caf-standard')
      const noCsrf = await adminBrowser.post(`/admin/assessment-templates/${v1}/copy`, { name: 'No token' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      const editor = await adminBrowser.get(`/admin/assessment-templates/${v1}/new-version`)
      const fields = formFields(editor.body, { name: 'No token', changeSummary: 'x', _csrf: 'wrong' })
      assert.equal((await adminBrowser.post(`/admin/assessment-templates/${v1}/new-version`, fields)).statusCode, 403)
      assert.deepEqual(await versions('caf-standard'), before)
    })

    it('gives templates through the API: the list and one version’s full content', async () => {
      const list = await practitionerBrowser.get('/api/v1/assessment-templates')
      assert.equal(list.statusCode, 200)
      const body = list.json() as { items: { templateKey: string; latest: { versionNumber: number; content: { domains: unknown[] } }; versions: unknown[] }[] }
      const standard = body.items.find(item => item.templateKey === 'caf-standard')
      assert.ok(standard)
      assert.equal(standard.latest.versionNumber, 2)
      assert.equal(standard.versions.length, 2)
      const v1 = await standardV1()
      const one = await practitionerBrowser.get(`/api/v1/assessment-templates/${v1}`)
      assert.equal(one.statusCode, 200)
      const version = one.json() as { versionNumber: number; content: { domains: { elements: unknown[] }[]; checklist: { riskOfSignificantHarm?: boolean }[] } }
      assert.equal(version.versionNumber, 1)
      assert.equal(version.content.domains.flatMap(domain => domain.elements).length, 19)
      assert.equal(version.content.checklist.filter(question => question.riskOfSignificantHarm).length, 1)
      assert.equal((await practitionerBrowser.get(`/api/v1/assessment-templates/${otherAuthorityVersionId}`)).statusCode, 404)
      assert.equal((await practitionerBrowser.get('/api/v1/assessment-templates/nope')).statusCode, 404)
      const openApi = (await practitionerBrowser.get('/api/v1/openapi.json')).json() as { paths: Record<string, unknown> }
      assert.ok(openApi.paths['/assessment-templates'] && openApi.paths['/assessment-templates/{templateVersionId}'])
    })
  })
}

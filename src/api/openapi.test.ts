import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { databaseKinds } from '../../test/helpers/database.ts'
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.ts'
import { newLocalityBody } from './api.schemas.ts'
import { jsonSchemaOf } from './openapi.ts'

type Json = Record<string, unknown>

const API_ROOT = '/api/v1'
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** The document's operations as `METHOD /api/v1/route/:param`, the form Fastify registers routes in. */
function documentedRoutes(document: Json): string[] {
  const routes: string[] = []
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const method of Object.keys(item).filter(key => METHODS.includes(key))) {
      routes.push(`${method.toUpperCase()} ${API_ROOT}${path.replace(/\{(\w+)\}/g, ':$1')}`)
    }
  }
  return routes.sort()
}

function operations(document: Json): Array<{ route: string; operation: Json }> {
  const found: Array<{ route: string; operation: Json }> = []
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (METHODS.includes(method)) found.push({ route: `${method.toUpperCase()} ${path}`, operation: operation as Json })
    }
  }
  return found
}

for (const kind of databaseKinds()) {
  describe(`OpenAPI document (${kind})`, () => {
    let t: TestApp
    let document: Json
    before(async () => {
      t = await buildTestApp(kind)
      const response = await t.app.inject({ method: 'GET', url: `${API_ROOT}/openapi.json` })
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^application\/json/)
      document = response.json() as Json
    })
    after(() => t.close())

    it('is a valid OpenAPI 3.1 document', async () => {
      assert.match(String(document.openapi), /^3\.1\./)
      const validator = new Validator()
      const result = await validator.validate(structuredClone(document))
      assert.deepEqual(result.errors, undefined)
      assert.equal(result.valid, true)
      assert.match(validator.version, /^3\.1/)
    })

    it('describes every /api/v1 route the app registers, and nothing it does not', () => {
      const registered = t.app.routeInventory
        .filter(route => route.url === API_ROOT || route.url.startsWith(`${API_ROOT}/`))
        .map(route => `${route.method} ${route.url}`)
        .sort()
      assert.ok(registered.length >= 9, `expected the whole API, found ${registered.join(', ')}`)
      assert.deepEqual(documentedRoutes(document), registered)
    })

    it('documents security, parameters and problem+json errors for every operation', () => {
      const components = document.components as Json
      const schemes = components.securitySchemes as Record<string, Json>
      assert.deepEqual(schemes.bearerToken, { ...schemes.bearerToken, type: 'http', scheme: 'bearer' })
      assert.equal(schemes.sessionCookie?.in, 'cookie')
      assert.equal(schemes.csrfHeader?.in, 'header')
      const responses = components.responses as Record<string, Json>
      for (const [name, response] of Object.entries(responses)) {
        const content = response.content as Json
        assert.deepEqual(Object.keys(content), ['application/problem+json'], `${name} is problem+json`)
      }
      const operationIds = new Set<string>()
      for (const { route, operation } of operations(document)) {
        assert.ok(typeof operation.operationId === 'string' && !operationIds.has(operation.operationId), `${route} has a unique operationId`)
        operationIds.add(operation.operationId)
        const opResponses = operation.responses as Record<string, Json>
        const statuses = Object.keys(opResponses)
        assert.ok(statuses.some(status => /^2\d\d$/.test(status)), `${route} documents its success`)
        assert.ok(statuses.includes('400') && statuses.includes('429'), `${route} documents 400 and 429`)
        for (const status of statuses.filter(code => Number(code) >= 400)) {
          const response = opResponses[status] ?? {}
          const reference = typeof response.$ref === 'string' ? responses[response.$ref.split('/').pop() ?? ''] : response
          assert.ok(reference && 'application/problem+json' in (reference.content as Json), `${route} ${status} is problem+json`)
        }
        const isPublic = Array.isArray(operation.security) && operation.security.length === 0
        if (isPublic) continue
        assert.ok(statuses.includes('401'), `${route} documents 401`)
        assert.deepEqual((operation.security as Json[]).map(requirement => Object.keys(requirement).sort().join('+')), [
          'bearerToken',
          route.startsWith('GET') ? 'sessionCookie' : 'csrfHeader+sessionCookie',
        ])
        const pathParameters = [...route.matchAll(/\{(\w+)\}/g)].map(match => match[1])
        const parameters = (operation.parameters ?? []) as Json[]
        for (const name of pathParameters) {
          assert.ok(parameters.some(parameter => parameter.name === name && parameter.in === 'path' && parameter.required === true), `${route} documents :${name}`)
          assert.ok(statuses.includes('404'), `${route} documents 404`)
        }
        if (operation.requestBody) assert.ok(statuses.includes('415') && statuses.includes('413'), `${route} documents 413 and 415`)
      }
      assert.ok(operationIds.size >= 9)
    })

    it('is generated from the zod schemas that validate the requests', () => {
      const post = (document.paths as Record<string, Record<string, Json>>)['/localities']?.post
      const body = ((post?.requestBody as Json).content as Record<string, Json>)['application/json']?.schema
      assert.deepEqual(body, jsonSchemaOf(newLocalityBody, 'input'))
      const users = (document.paths as Record<string, Record<string, Json>>)['/users']?.get
      const pageSize = (users?.parameters as Json[]).find(parameter => parameter.name === 'pageSize')
      assert.deepEqual(pageSize?.schema, { type: 'integer', minimum: 1, maximum: 100 })
      const schemas = (document.components as Json).schemas as Record<string, Json>
      assert.deepEqual(Object.keys((schemas.Problem as Json).properties as Json).sort(), ['detail', 'errors', 'instance', 'status', 'title', 'type'])
    })
  })
}

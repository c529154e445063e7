import type { z } from 'zod'
import type { ApiTemplateVersion, templateContentSchema } from './templates.schemas.ts'
import type { TemplateFamily, TemplateVersion, TemplateVersionSummary } from './templates.service.ts'

// The /api/v1 shapes of assessment templates (the endpoints are listed in src/api/api.endpoints.ts).

export function apiTemplateVersion(version: TemplateVersion): ApiTemplateVersion {
  return {
    id: version.id,
    templateKey: version.templateKey,
    versionNumber: version.versionNumber,
    name: version.name,
    nation: version.nation,
    changeSummary: version.changeSummary,
    basedOnVersionId: version.basedOnVersionId,
    createdAt: version.createdAt.toISOString(),
    // The stored content is readonly data; the response schema copies it as it is.
    content: version.content as z.input<typeof templateContentSchema>,
  }
}

function apiVersionSummary(version: TemplateVersionSummary) {
  return {
    id: version.id,
    versionNumber: version.versionNumber,
    name: version.name,
    changeSummary: version.changeSummary,
    basedOnVersionId: version.basedOnVersionId,
    createdAt: version.createdAt.toISOString(),
  }
}

export function apiTemplateFamilies(families: readonly TemplateFamily[]) {
  return {
    items: families.map(family => ({
      templateKey: family.latest.templateKey,
      latest: apiTemplateVersion(family.latest),
      versions: family.versions.map(apiVersionSummary),
    })),
  }
}

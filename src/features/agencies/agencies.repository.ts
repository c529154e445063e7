import type { Db } from '../../db/database.ts'

export type DirectoryAgency = {
  id: string
  name: string
  kind: string
  localityId: string | null
  localityName: string | null
  description: string
  email: string | null
  phone: string | null
  address: string | null
}

/**
 * Active agencies of one authority. With a locality, those of that locality and those that serve the whole area
 * (no locality).
 */
export async function listActiveAgencies(
  db: Db,
  authorityId: string,
  localityId: string | null,
): Promise<DirectoryAgency[]> {
  let query = db
    .selectFrom('agencies as a')
    .leftJoin('localities as l', join =>
      join.onRef('l.authorityId', '=', 'a.authorityId').onRef('l.id', '=', 'a.localityId'),
    )
    .select([
      'a.id',
      'a.name',
      'a.kind',
      'a.localityId',
      'l.name as localityName',
      'a.description',
      'a.email',
      'a.phone',
      'a.address',
    ])
    .where('a.authorityId', '=', authorityId)
    .where('a.active', '=', true)
  if (localityId)
    query = query.where(eb => eb.or([eb('a.localityId', '=', localityId), eb('a.localityId', 'is', null)]))
  return query.orderBy('a.name').orderBy('a.id').execute()
}

export async function listLocalityNames(db: Db, authorityId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('authorityId', '=', authorityId)
    .orderBy('name')
    .orderBy('id')
    .execute()
}

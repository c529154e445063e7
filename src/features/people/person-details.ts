// Pure rules about the details of a person: names as the matcher compares them, nicknames, postcodes, unique pupil
// numbers and dates. No database, no HTTP: the service, the schemas and the tests share them.

/** Lower case, accents removed, apostrophes dropped, hyphens and other punctuation as spaces: "Zoë O'Brien-Smith" → "zoe obrien smith". */
export function normaliseName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ')
}

export type SearchNames = { searchName: string; searchGiven: string; searchFamily: string }

/** What the persons table stores for matching: the whole name, the first forename and the family name, normalised. */
export function searchNamesOf(givenNames: string, familyName: string): SearchNames {
  const given = normaliseName(givenNames)
  const family = normaliseName(familyName)
  return { searchName: `${given} ${family}`.trim(), searchGiven: given.split(' ')[0] ?? '', searchFamily: family }
}

/**
 * Names that are the same forename to the people who use them. Each group is one name and its usual short and
 * familiar forms; a name may be in several groups (Sam: Samuel and Samantha; Alex: Alexander and Alexandra).
 */
export const NICKNAME_GROUPS: readonly (readonly string[])[] = [
  ['william', 'bill', 'billy', 'will', 'willy', 'liam'],
  ['elizabeth', 'liz', 'lizzie', 'lizzy', 'beth', 'betty', 'eliza', 'libby', 'elisabeth', 'bess'],
  ['james', 'jim', 'jimmy', 'jamie'],
  ['katherine', 'kate', 'katie', 'kath', 'kathy', 'catherine', 'kathryn', 'cathy', 'kat', 'kitty'],
  ['samuel', 'sam', 'sammy'],
  ['samantha', 'sam', 'sammy'],
  ['alexander', 'alex', 'sandy', 'xander', 'alec'],
  ['alexandra', 'alex', 'lexi', 'sandra', 'alexa'],
  ['michael', 'mike', 'mikey', 'mick', 'micky', 'mickey'],
  ['thomas', 'tom', 'tommy'],
  ['rebecca', 'becky', 'becca', 'bex'],
  ['john', 'jack', 'johnny', 'jon'],
  ['jonathan', 'jon', 'jonny', 'jonty'],
  ['robert', 'rob', 'bob', 'bobby', 'robbie', 'bert'],
  ['richard', 'rick', 'ricky', 'rich', 'richie', 'dick'],
  ['margaret', 'maggie', 'meg', 'peggy', 'maisie', 'madge'],
  ['charles', 'charlie', 'chas', 'chuck'],
  ['charlotte', 'lottie', 'charlie', 'lotte'],
  ['daniel', 'dan', 'danny'],
  ['joseph', 'joe', 'joey'],
  ['josephine', 'jo', 'josie'],
  ['christopher', 'chris', 'kit'],
  ['christine', 'chris', 'chrissie', 'tina'],
  ['matthew', 'matt', 'matty'],
  ['benjamin', 'ben', 'benny', 'benji'],
  ['nicholas', 'nick', 'nicky'],
  ['anthony', 'tony', 'ant'],
  ['edward', 'ed', 'eddie', 'ted', 'ned', 'teddy'],
  ['henry', 'harry', 'hal', 'hank'],
  ['jessica', 'jess', 'jessie'],
  ['victoria', 'vicky', 'vicki', 'tori'],
  ['jennifer', 'jen', 'jenny'],
  ['susan', 'sue', 'susie', 'suzy'],
  ['deborah', 'debbie', 'deb', 'debra'],
  ['patricia', 'pat', 'patty', 'trish', 'tricia'],
  ['stephen', 'steve', 'steven', 'stevie'],
  ['andrew', 'andy', 'drew'],
  ['david', 'dave', 'davey', 'davy'],
  ['peter', 'pete'],
  ['gregory', 'greg'],
  ['timothy', 'tim', 'timmy'],
  ['frederick', 'fred', 'freddie', 'freddy'],
  ['oliver', 'ollie', 'olly'],
  ['isabella', 'isabel', 'izzy', 'bella', 'issy', 'isobel'],
  ['abigail', 'abbie', 'abby', 'abi'],
  ['amelia', 'millie', 'mia'],
  ['eleanor', 'ellie', 'nell', 'nora', 'elle'],
  ['florence', 'flo', 'florrie'],
  ['mohammed', 'muhammad', 'mohammad', 'mohamed', 'mo'],
  ['sophia', 'sophie'],
  ['zachary', 'zach', 'zac', 'zack'],
  ['nathaniel', 'nathan', 'nate', 'nat'],
  ['jacob', 'jake'],
  ['joshua', 'josh'],
  ['gabriel', 'gabe'],
  ['lawrence', 'laurence', 'larry', 'laurie'],
  ['philip', 'phil', 'pip'],
  ['ronald', 'ron', 'ronnie'],
  ['kenneth', 'ken', 'kenny'],
  ['gemma', 'jemma'],
  ['natalie', 'nat', 'tally'],
  ['theodore', 'theo', 'ted', 'teddy'],
]

const GROUPS_BY_NAME = new Map<string, Set<string>>()
for (const group of NICKNAME_GROUPS) {
  for (const name of group) {
    const known = GROUPS_BY_NAME.get(name) ?? new Set<string>()
    for (const other of group) known.add(other)
    GROUPS_BY_NAME.set(name, known)
  }
}

/** A normalised forename and every name in a nickname group with it ("bill" → bill, william, billy, will, willy, liam). */
export function forenameAlternatives(forename: string): string[] {
  const name = normaliseName(forename)
  const group = GROUPS_BY_NAME.get(name)
  return group ? [name, ...[...group].filter(other => other !== name)] : [name]
}

// ---- postcodes -------------------------------------------------------------------------------------------------

const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$/

/** A UK postcode upper-cased with one space before the inward code ("sw1a1aa" → "SW1A 1AA"), or null when not a postcode. */
export function normalisePostcode(value: string): string | null {
  const compact = value.replace(/\s+/g, '').toUpperCase()
  if (compact === 'GIR0AA') return 'GIR 0AA'
  const match = POSTCODE.exec(compact)
  return match ? `${match[1]} ${match[2]}` : null
}

/** The outward code (district), all that a search result shows: "SW1A 1AA" → "SW1A". */
export function postcodeDistrict(postcode: string | null): string | null {
  return postcode ? (postcode.split(' ')[0] ?? null) : null
}

// ---- unique pupil numbers --------------------------------------------------------------------------------------

const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ'

/**
 * A unique pupil number (DfE): 13 characters, a check letter then 12 characters (local authority, school, year and
 * serial digits; a temporary UPN ends in a letter). The check letter is the sum of characters 2–13 times weights 2–13,
 * modulo 23, read from A–Z without I, O and S.
 */
export function isValidUniquePupilNumber(value: string): boolean {
  const upn = value.trim().toUpperCase()
  if (!/^[ABCDEFGHJKLMNPQRTUVWXYZ][0-9]{11}[0-9ABCDEFGHJKLMNPQRTUVWXYZ]$/.test(upn)) return false
  let total = 0
  for (let index = 1; index < 13; index++) {
    const character = upn.charAt(index)
    const valueOf = /[0-9]/.test(character) ? Number(character) : UPN_LETTERS.indexOf(character)
    total += valueOf * (index + 1)
  }
  return UPN_LETTERS.charAt(total % 23) === upn.charAt(0)
}

// ---- dates -----------------------------------------------------------------------------------------------------

/** 'YYYY-MM-DD' for a real calendar date, or null. */
export function isoDate(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1) return null
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** The same date with day and month swapped (a common slip: 04/07 for 07/04), when that is a different real date. */
export function transposedDate(date: string): string | null {
  const [year, month, day] = date.split('-').map(Number)
  if (year === undefined || month === undefined || day === undefined || month === day) return null
  return isoDate(year, day, month)
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** "4 July 2019" */
export function displayDate(date: string | null): string | null {
  if (!date) return null
  const [year, month, day] = date.split('-').map(Number)
  if (year === undefined || month === undefined || day === undefined) return date
  return `${day} ${MONTHS[month - 1] ?? ''} ${year}`
}

import { translator, type Language } from '../../lib/i18n.ts'

// What family members are sent, in their own language (Welsh in src/locales/cy/family-auth.po). Nothing about the
// child or the family's circumstances: only what OneStory is, who invited them and how to sign in.

export function invitationEmail(language: Language, values: { name: string; inviter: string; agency: string | null; authority: string; signInUrl: string }) {
  const t = translator(language)
  const from = values.agency ? t('{inviter} from {agency}', { inviter: values.inviter, agency: values.agency }) : values.inviter
  return {
    subject: t('You are invited to see your family’s OneStory'),
    bodyText: [
      t('Hello {name},', { name: values.name }),
      '',
      t('{from} has invited you to OneStory.', { from }),
      '',
      t('OneStory is where the people who help your family keep your plan, your meetings and the notes of those meetings. You can read them, and you can add what you think.'),
      '',
      t('How to sign in:'),
      t('1. Go to {url}', { url: values.signInUrl }),
      t('2. Type in this email address.'),
      t('3. We will email you a code. Type it in. You do not need a password.'),
      '',
      t('If you did not expect this email, you can ignore it.'),
      '',
      values.authority,
    ].join('\n'),
  }
}

export function invitationText(language: Language, values: { inviter: string; signInUrl: string }) {
  const t = translator(language)
  return t('{inviter} has invited you to see your family’s OneStory. Go to {url} and type in this mobile number. We will text you a code. You do not need a password.', {
    inviter: values.inviter,
    url: values.signInUrl,
  })
}

export function codeEmail(language: Language, values: { name: string; code: string }) {
  const t = translator(language)
  return {
    subject: t('Your OneStory code is {code}', { code: values.code }),
    bodyText: [
      t('Hello {name},', { name: values.name }),
      '',
      t('Your code to sign in to OneStory is {code}', { code: values.code }),
      '',
      t('It works for 10 minutes, one time only.'),
      t('Do not tell anyone this code. We will never ask you for it.'),
      '',
      t('If you did not ask for a code, you can ignore this email.'),
    ].join('\n'),
  }
}

export function codeText(language: Language, values: { code: string }) {
  const t = translator(language)
  return t('Your OneStory code is {code}. It works for 10 minutes. Do not tell anyone this code.', { code: values.code })
}

/** To the lead professional (English: practitioners' emails are in English). No personal details, only a link. */
export function newDeviceEmail(values: { familyName: string; device: string; at: string; accessUrl: string; firstTime: boolean }) {
  const what = values.firstTime ? 'signed in to the family’s own view for the first time' : 'signed in to the family’s own view on a new device'
  return {
    subject: values.firstTime ? `${values.familyName} signed in for the first time` : `${values.familyName} signed in on a new device`,
    bodyText: [
      `${values.familyName} ${what} (${values.device}) on ${values.at}.`,
      '',
      'You are told because you are their lead professional. You do not need to do anything if you expected this.',
      'If you think someone else is using their account, talk to the family. You can end their access here:',
      values.accessUrl,
    ].join('\n'),
  }
}

/** A short, non-identifying name for a browser from its User-Agent: "Firefox on Android". */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').slice(0, 500)
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /SamsungBrowser\//.test(ua)
      ? 'Samsung Internet'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : 'A web browser'
  const system = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad|iPod/.test(ua)
      ? 'iPhone or iPad'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'Mac'
          : /CrOS/.test(ua)
            ? 'Chromebook'
            : /Linux/.test(ua)
              ? 'Linux'
              : null
  return system ? `${browser} on ${system}` : browser
}

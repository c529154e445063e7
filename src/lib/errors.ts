/** Typed domain errors thrown by services; one handler maps them to GOV.UK pages or RFC 9457 problem+json. */
export class DomainError extends Error {
  readonly status: number = 400
  readonly title: string = 'There is a problem'
}

export class NotFoundError extends DomainError {
  override readonly status = 404
  override readonly title = 'Page not found'
}

export class ForbiddenError extends DomainError {
  override readonly status = 403
  override readonly title = 'You do not have access to this'
}

export class UnauthenticatedError extends DomainError {
  override readonly status = 401
  override readonly title = 'You need to sign in'
}

export class ConflictError extends DomainError {
  override readonly status = 409
  override readonly title = 'Someone else changed this'
}

/** A rule of the domain was broken: the message is written for the user. */
export class DomainRuleError extends DomainError {
  override readonly status = 422
  override readonly title = 'This cannot be done'
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

export class ServiceUnavailableError extends DomainError {
  override readonly status = 503
  override readonly title = 'Sorry, the service is unavailable'
}

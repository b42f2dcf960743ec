/**
 * Domain errors carry a stable `code` and no HTTP status; each API's error plugin maps codes
 * to statuses.
 */
export class UndertowError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends UndertowError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`);
  }
}

export class ConflictError extends UndertowError {
  constructor(message: string, details?: unknown) {
    super('CONFLICT', message, details);
  }
}

export class InvalidInputError extends UndertowError {
  constructor(message: string, details?: unknown) {
    super('INVALID_INPUT', message, details);
  }
}

export class ForbiddenError extends UndertowError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

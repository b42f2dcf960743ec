import { UndertowError } from '@undertow/core';

/** A model directory or one of its files is missing. */
export class ModelNotFoundError extends UndertowError {
  constructor(
    readonly path: string,
    what: string,
  ) {
    super('MODEL_NOT_FOUND', `${what} not found: ${path}`, { path });
  }
}

/** The files are there but the model could not be loaded or run. */
export class ModelLoadError extends UndertowError {
  constructor(message: string, options?: { cause?: unknown; path?: string }) {
    super('MODEL_LOAD_FAILED', message, options?.path === undefined ? undefined : { path: options.path });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

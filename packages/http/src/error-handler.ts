import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import { UndertowError, type FieldError } from '@undertow/core';
import { UNAVAILABLE_RETRY_AFTER_S, isStoreUnavailable } from './unavailable.js';

/** Status of each domain error code; anything unknown is a 500 whose details stay in the log. */
const STATUS_BY_CODE: Record<string, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** The body of every 4xx and 5xx answer, for the OpenAPI docs. */
export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  errors?: FieldError[];
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, code: string, message: string, errors?: FieldError[]): ErrorBody {
  return { statusCode, code, error: REASONS[statusCode] ?? 'Error', message, ...(errors ? { errors } : {}) };
}

/** Maps domain and framework errors to clear 4xx answers; a 5xx never leaks internals. */
export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((caught: FastifyError | UndertowError, request, reply) => {
      if (caught instanceof UndertowError) {
        const error = caught;
        const status = STATUS_BY_CODE[error.code] ?? 500;
        if (status >= 500) request.log.error({ err: error }, 'request failed');
        const errors = Array.isArray(error.details) ? (error.details as FieldError[]) : undefined;
        return reply.status(status).send(errorBody(status, error.code, status >= 500 ? 'internal error' : error.message, errors));
      }
      const error = caught;
      if (error.validation) {
        const errors = error.validation.map((v) => ({
          path: `${error.validationContext ?? 'body'}${v.instancePath || ''}${missingProperty(v.params)}`,
          message: v.message ?? 'is invalid',
        }));
        const first = errors[0];
        return reply.status(400).send(errorBody(400, 'INVALID_INPUT', first ? `${first.path} ${first.message}` : error.message, errors));
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return reply.status(status).send(errorBody(status, error.code ?? 'BAD_REQUEST', describeClientError(error)));
      }
      request.log.error({ err: error }, 'request failed');
      if (isStoreUnavailable(error)) {
        void reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
        return reply
          .status(503)
          .send(errorBody(503, 'UNAVAILABLE', `a store this service needs is unavailable or full; send the same request again after ${UNAVAILABLE_RETRY_AFTER_S} s`));
      }
      return reply.status(500).send(errorBody(500, 'INTERNAL', 'internal error'));
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send(errorBody(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
    );
  },
  { name: 'undertow-error-handler' },
);

function missingProperty(params: Record<string, unknown> | undefined): string {
  const name = params?.['missingProperty'] ?? params?.['additionalProperty'];
  return typeof name === 'string' ? `/${name}` : '';
}

function describeClientError(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `body is not valid JSON: ${error.message}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body is larger than this API accepts; split the batch';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'send the body as application/json';
    default:
      return error.message;
  }
}

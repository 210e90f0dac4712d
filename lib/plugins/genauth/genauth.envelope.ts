import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { failureOf, type GenAuthFailure, v2CodeOf } from './genauth.errors';

/** GenAuth's V3 answer: `data` on success; `requestId` (and this module's `code`) on failure. */
export interface GenAuthEnvelope<T = unknown> {
  statusCode: number;
  message: string;
  apiCode?: number;
  requestId?: string;
  /** This module's stable error code; only on failures. */
  code?: string;
  data?: T;
}

/** GenAuth's V2 answer, as `authing-js-sdk` reads it: `code` 200 means success. */
export interface GenAuthV2Envelope<T = unknown> {
  code: number;
  message: string;
  data: T | null;
}

/** @internal */
export function genAuthOk<T>(data?: T, message = 'Success'): GenAuthEnvelope<T> {
  return data === undefined ? { statusCode: 200, message } : { statusCode: 200, message, data };
}

/** @internal */
export function genAuthFail(failure: GenAuthFailure): GenAuthEnvelope<never> {
  return {
    statusCode: failure.status,
    message: failure.message,
    requestId: randomUUID(),
    ...(failure.code ? { code: failure.code } : {}),
  };
}

/** @internal */
export function genAuthV2Ok<T>(data: T, message = 'Success'): GenAuthV2Envelope<T> {
  return { code: 200, message, data };
}

/** @internal */
export function genAuthV2Fail(failure: GenAuthFailure): GenAuthV2Envelope<never> {
  return { code: v2CodeOf(failure), message: failure.message, data: null };
}

const logger = new Logger('QrLoginModule');

/**
 * Answers every failure of a compatible route with HTTP 200 and the failure in
 * the envelope, as GenAuth does: its SDKs use axios, which throws on any
 * non-2xx answer before the caller could read `statusCode`.
 */
abstract class GenAuthEnvelopeFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  protected abstract envelope(failure: GenAuthFailure): object;

  catch(error: unknown, host: ArgumentsHost): void {
    const failure = failureOf(error);
    if (failure.status >= 500) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    const response = host.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.reply(response, this.envelope(failure), HttpStatus.OK);
  }
}

/** GenAuth V3 envelope for failures: `{ statusCode, message, requestId, code }`. @internal */
@Catch()
@Injectable()
export class GenAuthV3ExceptionFilter extends GenAuthEnvelopeFilter {
  constructor(adapterHost: HttpAdapterHost) {
    super(adapterHost);
  }

  protected envelope(failure: GenAuthFailure): object {
    return genAuthFail(failure);
  }
}

/** GenAuth V2 envelope for failures: `{ code, message, data: null }`. @internal */
@Catch()
@Injectable()
export class GenAuthV2ExceptionFilter extends GenAuthEnvelopeFilter {
  constructor(adapterHost: HttpAdapterHost) {
    super(adapterHost);
  }

  protected envelope(failure: GenAuthFailure): object {
    return genAuthV2Fail(failure);
  }
}

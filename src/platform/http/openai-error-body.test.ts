import { describe, expect, it } from 'vitest';
import { describeError } from './error-description.ts';
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError } from './errors.ts';
import { toOpenAiErrorBody } from './openai-error-body.ts';

const bodyOf = (error: unknown) => toOpenAiErrorBody(describeError(error)).error;

describe('toOpenAiErrorBody', () => {
  it('types an error by its status, as OpenAI clients expect', () => {
    expect(bodyOf(new UnauthorizedError('Invalid key', 'invalid_token'))).toEqual({
      message: 'Invalid key',
      type: 'authentication_error',
      param: null,
      code: 'invalid_api_key',
    });
    expect(bodyOf(new ForbiddenError())).toMatchObject({
      type: 'permission_error',
      code: 'authorization_error',
    });
    expect(bodyOf(new NotFoundError('Agent'))).toMatchObject({
      type: 'invalid_request_error',
      code: 'not_found',
    });
    expect(bodyOf(new AppError('slow_down', 'Too many', { status: 429 }))).toMatchObject({
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
    });
    expect(bodyOf(new AppError('provider_unavailable', 'Down', { status: 503 }))).toMatchObject({
      type: 'server_error',
      code: 'provider_unavailable',
    });
  });

  it('names the parameter at fault: a service’s details.param, else the first invalid field', () => {
    expect(
      bodyOf(new AppError('model_not_found', 'No', { status: 404, details: { param: 'model' } })).param,
    ).toBe('model');
    const described = {
      ...describeError(new Error('ignored')),
      status: 422,
      code: 'validation_error',
      message: 'The request does not match the schema',
      validation_errors: [
        { field: 'messages.0.content.1.text', location: 'body' as const, message: 'required', value: null },
      ],
    };
    expect(toOpenAiErrorBody(described).error).toEqual({
      message: 'The request does not match the schema: messages[0].content[1].text required',
      type: 'invalid_request_error',
      param: 'messages[0].content[1].text',
      code: 'validation_error',
    });
  });

  it('never passes an internal error’s message on', () => {
    expect(bodyOf(new Error('password=hunter2 in a stack'))).toEqual({
      message: 'An internal error occurred; quote the correlation id when reporting it',
      type: 'server_error',
      param: null,
      code: 'internal_error',
    });
  });
});

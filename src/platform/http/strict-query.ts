import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasSkipAlias, withSkipAlias } from './common-schemas.ts';

/**
 * The credential that streaming routes also accept in the query string (access-guard.ts): the
 * guard reads it, so no route's query schema declares it.
 */
const QUERY_CREDENTIAL = 'access_token';

/**
 * Zod's validator, with every route's query string strict: an unknown parameter (a typo such as
 * `?limt=5`) is refused with 422 naming it, as unknown body fields are, instead of being ignored.
 * A page query also reads seed 003's `skip` as `offset` (common-schemas.ts). Only the validator
 * sees these schemas; the OpenAPI document keeps the route's own.
 */
export const strictQueryValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const { schema, httpPart } = route;
  if (httpPart !== 'querystring' || !(schema instanceof z.ZodObject)) return validatorCompiler(route);
  const strict = schema.def.catchall
    ? schema
    : schema.extend({ [QUERY_CREDENTIAL]: z.string().optional() }).strict();
  return validatorCompiler({ ...route, schema: hasSkipAlias(schema) ? withSkipAlias(strict) : strict });
};

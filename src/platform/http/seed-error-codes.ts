/**
 * Seed 004's `ErrorCode`: the class of an error, which its clients act on (fix the request, sign
 * in, back off, retry later). Error bodies carry it as `error_code` beside Agentry's own, finer
 * `code`, which stays the stable API (docs/errors.md).
 */
export const seedErrorCodes = [
  'validation_error',
  'authentication_error',
  'authorization_error',
  'rate_limit_error',
  'external_service_error',
  'circuit_breaker_open',
  'timeout_error',
  'internal_error',
] as const;

export type SeedErrorCode = (typeof seedErrorCodes)[number];

/**
 * Every code Agentry answers, and seed 004's name for it; null where seed 004 has none (a missing
 * resource, a conflict, a state of stored data that forbids the action, Agentry's own capacity).
 * validation_error covers what is wrong with the request itself: its form, size or content, or
 * an id or name in it that does not fit. docs/errors.md lists the same table (a test compares them).
 */
export const seedErrorCodeByCode: Readonly<Record<string, SeedErrorCode | null>> = {
  // 400 and 413-431: the request as sent
  bad_request: 'validation_error',
  payload_too_large: 'validation_error',
  uri_too_long: 'validation_error',
  unsupported_media_type: 'validation_error',
  headers_too_large: 'validation_error',
  prompt_rejected: 'validation_error',
  context_too_large: 'validation_error',
  invalid_expiry: 'validation_error',
  invalid_parent_message: 'validation_error',
  session_agent_mismatch: 'validation_error',
  session_user_mismatch: 'validation_error',
  outbound_url_blocked: 'validation_error',
  invalid_messages: 'validation_error',
  unsupported_content: 'validation_error',
  ambiguous_model: 'validation_error',
  file_type_not_allowed: 'validation_error',
  file_type_blocked: 'validation_error',
  file_content_mismatch: 'validation_error',
  file_not_text: 'validation_error',
  file_empty: 'validation_error',
  file_suspicious: 'validation_error',
  file_too_large: 'validation_error',
  embeddings_unsupported: 'validation_error',
  // 400: the request is fine, the state of stored data forbids it
  agent_inactive: null,
  provider_inactive: null,
  provider_not_validated: null,
  model_required: null,
  last_org_admin: null,
  no_previous_version: null,
  file_limit_exceeded: null,
  assignment_inactive: null,
  task_definition_inactive: null,
  analysis_source_empty: null,
  analysis_source_too_large: null,
  analysis_source_invalid: null,
  analysis_batch_unsupported: null,
  // 401
  authentication_error: 'authentication_error',
  invalid_token: 'authentication_error',
  token_expired: 'authentication_error',
  invalid_credentials: 'authentication_error',
  invalid_refresh_token: 'authentication_error',
  account_disabled: 'authentication_error',
  invalid_signature: 'authentication_error',
  // 403
  authorization_error: 'authorization_error',
  operator_provider_read_only: 'authorization_error',
  // 404, 405, 409
  not_found: null,
  model_not_found: null,
  method_not_allowed: null,
  version_conflict: null,
  email_taken: null,
  provider_name_taken: null,
  default_provider_conflict: null,
  file_attached: null,
  file_already_attached: null,
  task_not_queueable: null,
  task_not_cancellable: null,
  task_not_retryable: null,
  task_schedule_name_taken: null,
  task_definition_name_taken: null,
  task_definition_already_assigned: null,
  task_definition_in_use: null,
  channel_name_taken: null,
  inbound_address_taken: null,
  analysis_run_not_startable: null,
  analysis_run_not_cancellable: null,
  analysis_run_not_completed: null,
  analysis_runs_not_comparable: null,
  budget_scope_taken: null,
  agent_lifecycle_failed: null,
  // 408: the client did not send its request in time
  request_timeout: 'timeout_error',
  // 422
  validation_error: 'validation_error',
  // 429
  rate_limited: 'rate_limit_error',
  sign_in_locked: 'rate_limit_error',
  concurrency_limited: 'rate_limit_error',
  budget_exceeded: 'rate_limit_error',
  stream_limited: 'rate_limit_error',
  // 499: the caller went away and reads no answer
  cancelled: null,
  // 500
  internal_error: 'internal_error',
  secret_key_invalid: 'internal_error',
  secret_unreadable: 'internal_error',
  // 502: the model provider answered unusably (seed 004: not retryable)
  provider_error: 'external_service_error',
  invalid_structured_output: 'external_service_error',
  schema_validation_failed: 'external_service_error',
  empty_response: 'external_service_error',
  max_iterations_reached: 'external_service_error',
  // 502/503 of a channel's reply (recorded on its message_sent action, never an API answer)
  slack_error: 'external_service_error',
  slack_unavailable: 'external_service_error',
  slack_rate_limited: 'external_service_error',
  email_smtp_rejected: 'external_service_error',
  email_smtp_error: 'external_service_error',
  email_smtp_blocked: 'external_service_error',
  email_smtp_deferred: 'external_service_error',
  email_smtp_unavailable: 'external_service_error',
  webhook_rejected: 'external_service_error',
  webhook_unreachable: 'external_service_error',
  // 503: a service Agentry depends on is unavailable (seed 004: retryable), or Agentry sheds load
  provider_unavailable: 'external_service_error',
  provider_rate_limited: 'external_service_error',
  provider_circuit_open: 'circuit_breaker_open',
  database_unavailable: 'external_service_error',
  not_ready: 'external_service_error',
  overloaded: null,
  shutdown: null,
  // 504
  timeout: 'timeout_error',
};

/** For a code not in the table yet: the statuses whose meaning is one of seed 004's names. */
const seedErrorCodeByStatus: Readonly<Partial<Record<number, SeedErrorCode>>> = {
  401: 'authentication_error',
  403: 'authorization_error',
  422: 'validation_error',
  429: 'rate_limit_error',
  500: 'internal_error',
  504: 'timeout_error',
};

/** Seed 004's name for an error Agentry answers with `code` and `status`; undefined when none applies. */
export function seedErrorCodeFor(code: string, status: number): SeedErrorCode | undefined {
  const mapped = Object.hasOwn(seedErrorCodeByCode, code)
    ? seedErrorCodeByCode[code]
    : seedErrorCodeByStatus[status];
  return mapped ?? undefined;
}

/**
 * The closed catalogue of Ballast error codes. Every failure that crosses a process boundary
 * carries one of these codes; `docs/errors.md` documents each of them (a test keeps the two in
 * step). HTTP statuses are assigned here and nowhere else.
 *
 * A transient fault (database down, storage unavailable, overload) must never wear a status the
 * W&B client treats as final (400, 401, 403, 404, 409, 410, 413, 422): the client would drop the
 * user's data instead of retrying. `transient: true` codes map to 429 or 5xx.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, transient: false },
  INVALID_JSON: { status: 400, transient: false },
  INVALID_PATH: { status: 400, transient: false },
  INVALID_ARGUMENT: { status: 400, transient: false },
  GRAPHQL_VALIDATION: { status: 400, transient: false },
  QUERY_TOO_COMPLEX: { status: 400, transient: false },
  DIGEST_MISMATCH: { status: 400, transient: false },
  UNAUTHENTICATED: { status: 401, transient: false },
  INVALID_CREDENTIALS: { status: 401, transient: false },
  /** Single sign-on did not complete (state mismatch, expired attempt, the provider's error, a bad ID token). */
  SSO_FAILED: { status: 401, transient: false },
  PERMISSION_DENIED: { status: 403, transient: false },
  /** The identity provider vouched for the user, but Ballast refuses them (email domain, unverified email). */
  SSO_REFUSED: { status: 403, transient: false },
  CSRF_TOKEN_INVALID: { status: 403, transient: false },
  SETUP_TOKEN_INVALID: { status: 403, transient: false },
  SIGNATURE_INVALID: { status: 403, transient: false },
  SIGNATURE_EXPIRED: { status: 403, transient: false },
  NOT_FOUND: { status: 404, transient: false },
  ENTITY_NOT_FOUND: { status: 404, transient: false },
  PROJECT_NOT_FOUND: { status: 404, transient: false },
  RUN_NOT_FOUND: { status: 404, transient: false },
  ARTIFACT_NOT_FOUND: { status: 404, transient: false },
  /** An invitation link that was used, revoked, has expired, or never existed. */
  INVITATION_INVALID: { status: 404, transient: false },
  /** A password-reset link that was used, has expired, or never existed. */
  RESET_LINK_INVALID: { status: 404, transient: false },
  OBJECT_NOT_FOUND: { status: 404, transient: false },
  METHOD_NOT_ALLOWED: { status: 405, transient: false },
  ALREADY_EXISTS: { status: 409, transient: false },
  ARTIFACT_TYPE_MISMATCH: { status: 409, transient: false },
  ARTIFACT_STATE_CONFLICT: { status: 409, transient: false },
  SETUP_COMPLETE: { status: 409, transient: false },
  /** The request is valid but the server's state refuses it (a setting owned by the environment). */
  FAILED_PRECONDITION: { status: 409, transient: false },
  PAYLOAD_TOO_LARGE: { status: 413, transient: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, transient: false },
  OVERLOADED: { status: 429, transient: true },
  TOO_MANY_ATTEMPTS: { status: 429, transient: true },
  INTERNAL: { status: 500, transient: true },
  UNAVAILABLE: { status: 503, transient: true },
} as const satisfies Record<string, { status: number; transient: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a catalogued code and a message fit to show a user (no secrets, no stack). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get transient(): boolean {
    return ERROR_CODES[this.code].transient;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

// The API's error body ({"error": {code, message, details}}) as an exception.
export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** From a failed openapi-fetch call (`response`, `error`). */
  static from(response: Response, body: unknown): ApiError {
    const info = (body as { error?: { code?: string; message?: string; details?: ErrorDetail[] | null } } | undefined)?.error;
    return new ApiError(
      response.status,
      info?.code ?? 'HttpError',
      info?.message ?? `The request failed (HTTP ${response.status}).`,
      info?.details ?? [],
      response.headers.get('x-request-id'),
    );
  }

  /** One readable sentence for people: the message plus each field's complaint. */
  get readable(): string {
    const fields = this.details.map((d) => `${d.path.replace(/^\$\.?/, '') || 'body'}: ${d.message}`);
    return fields.length ? `${this.message} (${fields.join('; ')})` : this.message;
  }
}

/** The data of an openapi-fetch result, or its ApiError thrown. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined || result.error !== undefined) throw ApiError.from(result.response, result.error);
  return result.data;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string | undefined;
  headers?: Record<string, string>;
}

/** The response with its body read: parsed when it is JSON, as text otherwise. */
async function answerOf<T>(response: Response): Promise<ApiResponse<T>> {
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get('content-type')?.includes('application/json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** A thin JSON client over fetch: real HTTP to a listening server. */
export function createHttpClient(baseUrl: string) {
  async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return answerOf<T>(response);
  }
  /** A multipart upload, as `curl -F "file=@name" -F purpose=...` sends it. */
  async function upload<T = any>(
    path: string,
    file: { filename: string; content: Uint8Array | string; contentType?: string },
    fields: Record<string, string> = {},
    options: RequestOptions = {},
  ) {
    const form = new FormData();
    const bytes = typeof file.content === 'string' ? new TextEncoder().encode(file.content) : file.content;
    form.append(
      'file',
      new Blob([bytes], { type: file.contentType ?? 'application/octet-stream' }),
      file.filename,
    );
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    return answerOf<T>(await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: form }));
  }
  return {
    upload,
    get: <T = any>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
    post: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('POST', path, body, options),
    put: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PUT', path, body, options),
    patch: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PATCH', path, body, options),
    delete: <T = any>(path: string, options?: RequestOptions) =>
      request<T>('DELETE', path, undefined, options),
    request,
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;

import type { Schema } from '@agentry/client';
import { ApiError, asApiError, type ErrorBody } from '../../api/api-error.ts';
import { accessToken, refreshAccessToken } from '../../api/tokens.ts';

export type FileView = Schema<'File'>;

/** Bytes sent so far of the request's body, and its whole size. */
export interface UploadProgress {
  sent: number;
  total: number;
}

/**
 * Uploads one document to `POST /api/v1/files` (multipart, the document as `file`). XMLHttpRequest
 * rather than fetch: only it reports the bytes sent as they go. A token that expired on the way is
 * refreshed and the upload sent once more, as the typed client does for its own requests.
 */
export async function uploadWithProgress(
  file: File,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<FileView> {
  try {
    return await send(file, onProgress, signal);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'token_expired' || !(await refreshAccessToken()))
      throw error;
    onProgress({ sent: 0, total: file.size });
    return send(file, onProgress, signal);
  }
}

function send(
  file: File,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<FileView> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/v1/files');
    const token = accessToken();
    if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
    request.responseType = 'json';
    // Listeners on `upload` must be set before send(), or the browser reports no progress at all.
    request.upload.onprogress = (event) => {
      onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    request.upload.onload = (event) => onProgress({ sent: event.total, total: event.total });
    request.onload = () => {
      const body = request.response as unknown;
      if (request.status >= 200 && request.status < 300) resolve(body as FileView);
      else
        reject(
          new ApiError(
            request.status,
            (body ?? null) as ErrorBody | null,
            request.getResponseHeader('x-request-id'),
          ),
        );
    };
    request.onerror = () => reject(asApiError(new Error('the upload was interrupted')));
    request.onabort = () => reject(asApiError(new Error('the upload was cancelled')));
    signal?.addEventListener('abort', () => request.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, file.name);
    request.send(form);
  });
}

import { ApiError, type ErrorBody } from '../../api/api-error.ts';
import { accessToken, refreshAccessToken } from '../../api/tokens.ts';

async function fetchContent(fileId: string): Promise<Response> {
  return fetch(`/api/v1/files/${encodeURIComponent(fileId)}/content`, {
    headers: { authorization: `Bearer ${accessToken() ?? ''}` },
  });
}

/**
 * Saves a file's bytes as uploaded (`GET /files/{id}/content`). The route needs the bearer token, which a
 * plain link cannot send: the bytes are fetched and handed to the browser as a download.
 */
export async function downloadFile(fileId: string, filename: string): Promise<void> {
  let response = await fetchContent(fileId);
  if (response.status === 401 && (await refreshAccessToken())) response = await fetchContent(fileId);
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as ErrorBody | null;
    throw new ApiError(response.status, body, response.headers.get('x-request-id'));
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the object URL; it is no longer needed once the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

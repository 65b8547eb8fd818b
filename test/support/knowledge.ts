import type { HttpClient } from './http-client.ts';

/**
 * Polls an agent's file until its extraction has ended (processed or failed), within `timeoutMs`.
 * A 503 is waited out like a client should: a server extracting a large file on the embedded
 * database may shed a poll while its event loop is busy, and says when to come back.
 */
export async function waitForExtraction(
  http: HttpClient,
  token: string,
  agentId: string,
  fileId: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await http.get(`/api/v1/agents/${agentId}/files/${fileId}`, { token });
    if (response.status === 503 && Date.now() < deadline) {
      const retryAfterSeconds = Number(response.headers.get('retry-after') ?? 1);
      await new Promise((resolve) => setTimeout(resolve, retryAfterSeconds * 1000));
      continue;
    }
    if (response.status !== 200)
      throw new Error(`agent file: ${response.status} ${JSON.stringify(response.body)}`);
    if (['processed', 'failed'].includes(response.body.processing_status)) return response.body;
    if (Date.now() > deadline)
      throw new Error(`extraction still ${response.body.processing_status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Uploads a file and attaches it to the agent; returns the file's id. */
export async function uploadAndAttach(
  http: HttpClient,
  token: string,
  agentId: string,
  file: { filename: string; content: Uint8Array | string },
) {
  const uploaded = await http.upload('/api/v1/files', file, { purpose: 'agent_context' }, { token });
  if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
  const attached = await http.post(
    `/api/v1/agents/${agentId}/files`,
    { file_id: uploaded.body.id },
    { token },
  );
  if (attached.status !== 201) throw new Error(`attach: ${attached.status} ${JSON.stringify(attached.body)}`);
  return uploaded.body.id as string;
}

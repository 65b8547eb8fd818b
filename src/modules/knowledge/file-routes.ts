import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { AppError, ValidationError } from '../../platform/http/errors.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  deleteFileQuery,
  fileListView,
  fileView,
  listFilesQuery,
  PURPOSE_PATTERN,
  uploadForm,
} from './file-schemas.ts';
import type { FileService } from './file-service.ts';
import { contentDisposition } from './safe-filename.ts';
import { discardUpload, type ReceivedUpload, receiveUpload } from './upload-intake.ts';

const DEFAULT_PURPOSE = 'agent_context';

export interface UploadSettings {
  maxUploadBytes: number;
  /** Where uploads stream to before they are screened and stored. */
  directory: string;
}

const formError = (field: string, message: string) =>
  new ValidationError(`Invalid upload: ${field} ${message}`, [{ field, message }]);

/**
 * Reads the upload form as it streams in: its one file goes straight to a temporary file (never
 * whole in memory; 413 past the limit), its fields are kept. The field order does not matter.
 */
async function receiveForm(request: FastifyRequest, settings: UploadSettings) {
  if (!request.isMultipart()) {
    throw new AppError(
      'unsupported_media_type',
      'Send the upload as multipart/form-data, with the document as `file` (curl -F "file=@report.pdf")',
      { status: 415 },
    );
  }
  let upload: (ReceivedUpload & { declaredName: string }) | undefined;
  const fields = new Map<string, string>();
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        fields.set(part.fieldname, String(part.value));
        continue;
      }
      if (part.fieldname !== 'file' || upload) {
        part.file.resume();
        throw formError(
          part.fieldname,
          upload
            ? 'is a second file: send one file per upload'
            : 'is not a field of the form: send the document as `file`',
        );
      }
      const received = await receiveUpload(part.file, {
        directory: settings.directory,
        maxBytes: settings.maxUploadBytes,
      });
      upload = { ...received, declaredName: part.filename };
    }
  } catch (error) {
    if (upload) await discardUpload(upload.path);
    throw error;
  }
  if (!upload) throw formError('file', 'is required (multipart/form-data with the document as `file`)');
  const purpose = fields.get('purpose')?.trim() || DEFAULT_PURPOSE;
  if (!PURPOSE_PATTERN.test(purpose)) {
    await discardUpload(upload.path);
    throw formError(
      'purpose',
      'must be lowercase letters, digits, _ . - (at most 64), such as agent_context',
    );
  }
  const project = fields.get('project_id')?.trim() || undefined;
  if (project !== undefined && !z.uuid().safeParse(project).success) {
    await discardUpload(upload.path);
    throw formError('project_id', 'must be the id of a project of your organization');
  }
  return { ...upload, purpose, project };
}

export const fileRoutes =
  (files: FileService, guard: AccessGuard, settings: UploadSettings): FastifyPluginAsyncZod =>
  async (app) => {
    await app.register(multipart, {
      // One byte more than the limit, so that the intake (which counts) answers 413 itself.
      limits: { fileSize: settings.maxUploadBytes + 1, files: 1, fields: 8, fieldSize: 1_024, parts: 10 },
    });
    const common = { tags: ['files'], security: bearerSecurity };
    const read = guard('files:read');
    const write = guard('files:write');
    const notFound = { 404: errorBodySchema };

    app.post(
      '/files',
      {
        onRequest: write,
        config: { rateClass: 'uploads' },
        schema: {
          ...common,
          operationId: 'uploadFile',
          summary: 'Upload a document (multipart: file, purpose, project_id)',
          description:
            'Streamed to storage, never buffered whole. Allowed: .pdf .docx .xlsx .csv .md .txt, and the bytes ' +
            'must be what the extension says (400 file_type_not_allowed, file_type_blocked, file_content_mismatch, ' +
            'file_not_text); larger than MAX_UPLOAD_BYTES: 413 file_too_large. The same bytes uploaded again ' +
            'share one stored copy. Suspicious content is flagged in `findings` (or refused with ' +
            'UPLOAD_SUSPICIOUS=reject). Text extraction starts when an agent first reads the file.',
          multipart: uploadForm,
          response: {
            201: fileView,
            400: errorBodySchema,
            413: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const upload = await receiveForm(request, settings);
        return reply.code(201).send(await files.create(principalOf(request), upload));
      },
    );

    app.get(
      '/files',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listFiles',
          summary: 'List the organization’s files, newest first',
          description:
            'Filters: purpose, processing_status, search (file name), project_id. Paginated with limit/offset; ' +
            'X-Total-Count holds the total. A project-scoped key lists its project’s files only.',
          querystring: listFilesQuery,
          response: { 200: fileListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, purpose, processing_status, search, project_id } = request.query;
        const { items, total } = await files.list(
          principalOf(request),
          { purpose, processingStatus: processing_status, search, projectId: project_id },
          { limit, offset },
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/files/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getFile',
          summary: 'Get a file: its size, type, checksum, findings and extraction state',
          params: idParams,
          response: { 200: fileView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => files.get(principalOf(request), request.params.id),
    );

    app.get(
      '/files/:id/content',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'downloadFile',
          summary: 'Download a file’s bytes, as uploaded',
          description:
            'Served with the detected content type, `Content-Disposition: attachment` with a safe file name, ' +
            '`X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy.',
          params: idParams,
          produces: ['application/octet-stream'],
          response: {
            200: z.string().meta({ format: 'binary' }).describe('The file’s bytes'),
            ...notFound,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const download = await files.download(principalOf(request), request.params.id);
        return (
          reply
            .header('content-type', download.mimeType)
            .header('content-length', String(download.size))
            .header('content-disposition', contentDisposition(download.filename))
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', "sandbox; default-src 'none'")
            .header('cache-control', 'private, no-store')
            // The schema documents the bytes for the OpenAPI document; a stream is sent unserialized.
            .send(download.body as never)
        );
      },
    );

    app.delete(
      '/files/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteFile',
          summary: 'Delete a file (409 while agents read it, unless ?force=true detaches it first)',
          description:
            'While the file is attached to agents the answer is 409 file_attached with their ids; with ' +
            '`force=true` it is detached from each of them first (recorded in each agent’s history). The ' +
            'stored bytes are removed with the last file that names them.',
          params: idParams,
          querystring: deleteFileQuery,
          response: { 204: z.null(), ...notFound, 409: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await files.remove(
          { principal: principalOf(request), ipAddress: request.ip ?? null },
          request.params.id,
          request.query.force,
        );
        return reply.code(204).send(null);
      },
    );
  };

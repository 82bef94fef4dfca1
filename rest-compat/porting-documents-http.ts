import busboy from 'busboy';
import type { Request, RequestHandler, Response } from 'express';
import { actorOf } from '../src/platform/auth/authenticate';
import { Actor, requireScope } from '../src/platform/auth/scopes';
import { ApiError, invalidRequest } from '../src/platform/errors';
import { ServiceDeps } from '../src/platform/service-deps';
import { portingDocumentContent, storePortingDocument } from '../src/porting/porting-documents.service';
import { sendRestError } from './errors';
import { toSnake } from './route';

// The two /v1 routes that are not GraphQL operations: multipart upload and byte download of porting documents
// (GraphQL has no file type; listing and reading document metadata are GraphQL, `portingDocuments`). They call
// the same service as everything else. The upload streams through busboy with hard limits: at most one file of
// at most the configured size is ever held in memory, and anything malformed is a 400, never a 500.

export const UPLOAD_PATH = '/numbers/porting-documents';
export const CONTENT_PATH = '/numbers/porting-documents/:id/content';
/** For the OpenAPI check: routes served outside the route table. */
export const PORTING_DOCUMENT_HTTP_ROUTES = [`post ${UPLOAD_PATH}`, 'get /numbers/porting-documents/{id}/content'];

const LIMITS = { files: 1, fields: 5, fieldSize: 1024, parts: 10, headerPairs: 50 };
/** Room for the multipart framing and the small fields around the file. */
const FRAMING_BYTES = 64 * 1024;

export function uploadPortingDocument(services: ServiceDeps, maxBytes: number): RequestHandler {
  return (req, res) => {
    res.locals.routePattern = `/v1${UPLOAD_PATH}`;
    let actor: Actor;
    try {
      actor = actorOf(res.locals.auth);
      requireScope(actor, 'numbers:write');
      if (!req.is('multipart/form-data')) throw invalidRequest('Content-Type must be multipart/form-data, with the file in the part named "file"');
    } catch (err) {
      return refuse(req, res, err);
    }
    // A body far over the file limit is refused without reading it (the connection closes after the answer);
    // past the limit, the file's bytes are dropped rather than kept, so memory stays bounded either way.
    const bodyCap = maxBytes + FRAMING_BYTES;
    if (Number(req.headers['content-length'] ?? 0) > bodyCap) return abandon(req, res, invalidRequest(`The request body exceeds ${bodyCap} bytes`));
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { ...LIMITS, fileSize: maxBytes } });
    } catch (err) {
      return refuse(req, res, invalidRequest(`The multipart body cannot be read: ${(err as Error).message}`));
    }
    const fields = new Map<string, string>();
    const chunks: Buffer[] = [];
    let filename: string | undefined;
    let sawFile = false;
    let tooLarge = false;
    let problem: ApiError | undefined;
    let finished = false;
    const finish = (failure?: unknown) => {
      if (finished) return;
      finished = true;
      if (failure ?? problem) {
        req.unpipe(parser);
        return refuse(req, res, failure ?? problem);
      }
      if (!sawFile) return sendRestError(res, invalidRequest('Send the document in a part named "file"', 'file'));
      if (tooLarge) return sendRestError(res, invalidRequest(`The file exceeds ${maxBytes} bytes`, 'file'));
      storePortingDocument(services, actor, { documentType: fields.get('document_type'), filename, content: Buffer.concat(chunks), maxBytes })
        .then((doc) => void res.status(201).json(toSnake(doc)))
        .catch((err) => sendRestError(res, err));
    };
    parser.on('field', (name, value, info) => {
      if (name !== 'document_type') problem ??= invalidRequest(`Unknown field: ${name}`, name);
      else if (info.valueTruncated) problem ??= invalidRequest('document_type is too long', name);
      else fields.set(name, value);
    });
    parser.on('file', (name, stream, info) => {
      // A file cut short by the end of the body errors its own stream: without a listener that error would be thrown.
      stream.on('error', (err: Error) => finish(invalidRequest(`The multipart body is malformed: ${err.message}`)));
      if (name !== 'file' || sawFile) {
        problem ??= invalidRequest(name === 'file' ? 'Send one file per request' : `Unknown file field: ${name} (use "file")`, name);
        stream.resume();
        return;
      }
      sawFile = true;
      filename = info.filename;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // Past the limit busboy drops the rest of the file (still reading the request, so the answer can be sent).
      stream.on('limit', () => {
        tooLarge = true;
      });
    });
    parser.on('filesLimit', () => (problem ??= invalidRequest('Send one file per request', 'file')));
    parser.on('fieldsLimit', () => (problem ??= invalidRequest('Too many fields')));
    parser.on('partsLimit', () => (problem ??= invalidRequest('Too many parts')));
    parser.on('error', (err: Error) => finish(invalidRequest(`The multipart body is malformed: ${err.message}`)));
    parser.on('close', () => finish());
    req.on('error', () => finish(invalidRequest('The request body could not be read')));
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > bodyCap && !finished) {
        finished = true;
        req.unpipe(parser);
        abandon(req, res, invalidRequest(`The request body exceeds ${bodyCap} bytes`));
      }
    });
    req.pipe(parser);
  };
}

export function downloadPortingDocument(services: ServiceDeps): RequestHandler {
  return async (req, res) => {
    res.locals.routePattern = `/v1${CONTENT_PATH}`;
    try {
      const doc = await portingDocumentContent(services, actorOf(res.locals.auth), String(req.params.id));
      res.setHeader('Content-Type', doc.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${doc.filename.replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(doc.filename)}`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('ETag', `"${doc.sha256}"`);
      res.end(doc.content);
    } catch (err) {
      sendRestError(res, err);
    }
  };
}

/** Answers the error without reading more, and closes the connection once the answer is out. */
function abandon(req: Request, res: Response, err: unknown): void {
  res.setHeader('Connection', 'close');
  res.on('finish', () => req.destroy());
  sendRestError(res, err);
}

/** Answers the error and reads what is left of the body, so the client is not cut off mid-upload. */
function refuse(req: Request, res: Response, err: unknown): void {
  req.resume();
  sendRestError(res, err);
}

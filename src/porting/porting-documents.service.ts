import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/audit.service';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError, invalidRequest } from '../platform/errors';
import { isUuid } from '../platform/ids';
import { NEWEST_FIRST, Page, PageArgs, paginate } from '../platform/pagination';
import { ServiceDeps } from '../platform/service-deps';

// Porting documents: the LOA (letter of authorisation) and a recent bill of the losing carrier. Kept in the
// database (bytea) with the tenant that uploaded them, so they are backed up and replicated with everything else
// and a porting order can never point at a file that is gone.

export const DOCUMENT_TYPES = ['loa', 'bill'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** What we accept, recognised by the file's own first bytes (the declared Content-Type is not trusted). */
const SIGNATURES: { contentType: string; magic: Buffer }[] = [
  { contentType: 'application/pdf', magic: Buffer.from('%PDF-', 'latin1') },
  { contentType: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];

export interface PortingDocumentView {
  id: string;
  documentType: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

const SELECT = { id: true, documentType: true, filename: true, contentType: true, sizeBytes: true, sha256: true, createdAt: true } as const;

export interface NewPortingDocument {
  documentType: string | undefined;
  filename: string | undefined;
  content: Buffer;
  maxBytes: number;
}

export function parseDocumentType(value: string | undefined): DocumentType {
  if (!value || !(DOCUMENT_TYPES as readonly string[]).includes(value)) throw invalidRequest(`document_type must be one of ${DOCUMENT_TYPES.join(', ')}`, 'document_type');
  return value as DocumentType;
}

/** Control characters and path parts out, at most 255 characters: shown back, never used as a path. */
function cleanFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean || 'document';
}

export function sniffContentType(content: Buffer): string | undefined {
  return SIGNATURES.find((s) => content.length >= s.magic.length && content.subarray(0, s.magic.length).equals(s.magic))?.contentType;
}

export async function storePortingDocument(deps: ServiceDeps, actor: Actor, doc: NewPortingDocument): Promise<PortingDocumentView> {
  requireScope(actor, 'numbers:write');
  const documentType = parseDocumentType(doc.documentType);
  if (doc.content.length === 0) throw invalidRequest('The file is empty', 'file');
  if (doc.content.length > doc.maxBytes) throw invalidRequest(`The file exceeds ${doc.maxBytes} bytes`, 'file');
  const contentType = sniffContentType(doc.content);
  if (!contentType) throw invalidRequest('The file must be a PDF, PNG or JPEG document', 'file');
  const filename = cleanFilename(doc.filename);
  const sha256 = createHash('sha256').update(doc.content).digest('hex');
  return inTransaction(deps.db, async (tx) => {
    const created = await tx.portingDocument.create({
      data: { tenantId: actor.tenantId, documentType, filename, contentType, sizeBytes: doc.content.length, sha256, content: new Uint8Array(doc.content), createdAt: deps.clock.now() },
      select: SELECT,
    });
    await recordAudit(tx, actor, {
      action: 'porting_document.uploaded',
      resourceType: 'porting_document',
      resourceId: created.id,
      after: { document_type: documentType, filename, content_type: contentType, size_bytes: doc.content.length, sha256 },
    });
    return created;
  });
}

const documentNotFound = () => new ApiError('not_found', 'Porting document not found');

export async function getPortingDocument(deps: ServiceDeps, actor: Actor, id: string): Promise<PortingDocumentView> {
  requireScope(actor, 'numbers:read');
  const found = isUuid(id) ? await deps.db.portingDocument.findFirst({ where: { id, tenantId: actor.tenantId }, select: SELECT }) : null;
  if (!found) throw documentNotFound();
  return found;
}

/** The stored bytes, for the owner's download. */
export async function portingDocumentContent(deps: ServiceDeps, actor: Actor, id: string): Promise<PortingDocumentView & { content: Buffer }> {
  requireScope(actor, 'numbers:read');
  const found = isUuid(id) ? await deps.db.portingDocument.findFirst({ where: { id, tenantId: actor.tenantId }, select: { ...SELECT, content: true } }) : null;
  if (!found) throw documentNotFound();
  return { ...found, content: Buffer.from(found.content) };
}

export async function listPortingDocuments(deps: ServiceDeps, actor: Actor, page: PageArgs): Promise<Page<PortingDocumentView>> {
  requireScope(actor, 'numbers:read');
  return paginate(page, (take, cursor) => deps.db.portingDocument.findMany({ where: { tenantId: actor.tenantId, ...cursor }, orderBy: NEWEST_FIRST, take, select: SELECT }));
}

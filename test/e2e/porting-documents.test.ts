import { request } from 'node:http';
import { FakeCarrier } from '../helpers/fake-carrier';
import { addKey, createTestTenant, gql, rest, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { PDF, uploadDocument } from '../helpers/porting';


describe('porting documents: multipart upload, limits, tenant-owned storage', () => {
  let gw: TestGateway;
  let t: TestTenant;
  const MAX = 4096;

  beforeAll(async () => {
    gw = await startTestGateway({ portingDocumentMaxBytes: MAX }, { carrier: new FakeCarrier() });
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    t = await createTestTenant(gw.prisma);
  });

  it('stores a PDF for its tenant: metadata in both APIs, the same bytes back, 404 for anyone else', async () => {
    const up = await uploadDocument(gw.url, t.key, { documentType: 'loa', file: PDF, filename: '../../etc/Signed LOA.pdf', type: 'text/plain' });
    expect(up.status).toBe(201);
    expect(up.body).toEqual({
      id: expect.any(String), document_type: 'loa', filename: 'Signed LOA.pdf', content_type: 'application/pdf', size_bytes: PDF.length,
      sha256: require('node:crypto').createHash('sha256').update(PDF).digest('hex'), created_at: expect.any(String),
    });
    expect((await rest(gw.url, 'GET', `/v1/numbers/porting-documents/${up.body.id}`, { key: t.key })).body).toEqual(up.body);
    expect((await rest(gw.url, 'GET', '/v1/numbers/porting-documents', { key: t.key })).body).toEqual({ data: [up.body], meta: { next_cursor: null } });
    const viaGql = await gql(gw.url, '{ portingDocuments(first: 5) { nodes { id documentType sizeBytes } } }', { key: t.key });
    expect(viaGql.body.data.portingDocuments.nodes).toEqual([{ id: up.body.id, documentType: 'loa', sizeBytes: PDF.length }]);

    const download = await fetch(`${gw.url}/v1/numbers/porting-documents/${up.body.id}/content`, { headers: { Authorization: `Bearer ${t.key}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain('attachment');
    expect(Buffer.from(await download.arrayBuffer()).equals(PDF)).toBe(true);

    const other = await createTestTenant(gw.prisma);
    for (const path of [`/v1/numbers/porting-documents/${up.body.id}`, `/v1/numbers/porting-documents/${up.body.id}/content`, '/v1/numbers/porting-documents/nope']) {
      const r = await rest(gw.url, 'GET', path, { key: other.key });
      expect([r.status, r.body.error.code]).toEqual([404, 'not_found']);
    }
    expect((await rest(gw.url, 'GET', '/v1/numbers/porting-documents', { key: other.key })).body.data).toEqual([]);
    expect(await gw.prisma.auditEntry.count({ where: { tenantId: t.tenantId, action: 'porting_document.uploaded', resourceId: up.body.id } })).toBe(1);
  });

  it('PNG and JPEG are accepted, recognised from their bytes', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 2)]);
    expect((await uploadDocument(gw.url, t.key, { documentType: 'bill', file: png, filename: 'bill.png', type: 'image/png' })).body.content_type).toBe('image/png');
    expect((await uploadDocument(gw.url, t.key, { documentType: 'bill', file: jpeg, filename: 'bill.jpg', type: 'application/pdf' })).body.content_type).toBe('image/jpeg');
  });

  it('refuses with 400, never 500: wrong type, too large, empty, missing or extra parts, broken multipart', async () => {
    const bad = async (p: Promise<{ status: number; body: any }>) => {
      const r = await p;
      expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
      return r.body.error.message as string;
    };
    expect(await bad(uploadDocument(gw.url, t.key, { documentType: 'loa', file: Buffer.from('just text, not a document') }))).toMatch(/PDF, PNG or JPEG/);
    expect(await bad(uploadDocument(gw.url, t.key, { documentType: 'loa', file: Buffer.concat([PDF, Buffer.alloc(MAX)]) }))).toMatch(/exceeds 4096 bytes/);
    expect(await bad(uploadDocument(gw.url, t.key, { documentType: 'loa', file: Buffer.alloc(0) }))).toMatch(/empty/);
    expect(await bad(uploadDocument(gw.url, t.key, { documentType: 'passport', file: PDF }))).toMatch(/document_type/);
    expect(await bad(uploadDocument(gw.url, t.key, { file: PDF }))).toMatch(/document_type/);
    expect(await bad(uploadDocument(gw.url, t.key, { documentType: 'loa' }))).toMatch(/file/);
    expect(await bad(uploadDocument(gw.url, t.key, { documentType: 'loa', file: PDF, extra: [['comment', 'hi']] }))).toMatch(/Unknown field: comment/);

    const twoFiles = new FormData();
    twoFiles.append('document_type', 'loa');
    twoFiles.append('file', new Blob([PDF]), 'a.pdf');
    twoFiles.append('file', new Blob([PDF]), 'b.pdf');
    const two = await fetch(`${gw.url}/v1/numbers/porting-documents`, { method: 'POST', headers: { Authorization: `Bearer ${t.key}` }, body: twoFiles });
    expect([two.status, ((await two.json()) as any).error.code]).toEqual([400, 'invalid_request']);

    const raw = (body: string, contentType: string) => rest(gw.url, 'POST', '/v1/numbers/porting-documents', { key: t.key, rawBody: body, headers: { 'content-type': contentType } });
    const truncated = '--XyZ\r\nContent-Disposition: form-data; name="document_type"\r\n\r\nloa\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 and then the connection';
    expect(await bad(raw(truncated, 'multipart/form-data; boundary=XyZ'))).toMatch(/malformed|file/);
    expect(await bad(raw('garbage without any boundary', 'multipart/form-data'))).toMatch(/multipart/);
    expect(await bad(raw('--other\r\n\r\n', 'multipart/form-data; boundary=XyZ'))).toBeTruthy();
    expect(await bad(rest(gw.url, 'POST', '/v1/numbers/porting-documents', { key: t.key, body: { document_type: 'loa' } }))).toMatch(/multipart\/form-data/);
    expect(await gw.prisma.portingDocument.count({ where: { tenantId: t.tenantId } })).toBe(0);
  });

  it('needs a key with numbers:write', async () => {
    const none = await fetch(`${gw.url}/v1/numbers/porting-documents`, { method: 'POST', body: new FormData() });
    expect(none.status).toBe(401);
    const readOnly = await addKey(gw.prisma, t.tenantId, ['numbers:read']);
    const r = await uploadDocument(gw.url, readOnly, { documentType: 'loa', file: PDF });
    expect([r.status, r.body.error.code]).toEqual([403, 'forbidden']);
  });

  it('a body far over the limit is refused without being read, whether it says so up front or streams', async () => {
    const url = new URL(`${gw.url}/v1/numbers/porting-documents`);
    const send = (headers: Record<string, string>, chunks: number) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { Authorization: `Bearer ${t.key}`, 'Content-Type': 'multipart/form-data; boundary=XyZ', ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        // The server hangs up once it has answered: later writes may fail, which is the point.
        req.on('error', (err) => setTimeout(() => reject(err), 1000));
        req.write('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n%PDF-');
        for (let i = 0; i < chunks; i++) req.write(Buffer.alloc(16 * 1024, 0x41));
      });
    expect(await send({ 'Content-Length': String(50 * 1024 * 1024) }, 0)).toBe(400);
    expect(await send({ 'Transfer-Encoding': 'chunked' }, 8)).toBe(400);
    expect(await gw.prisma.portingDocument.count({ where: { tenantId: t.tenantId } })).toBe(0);
  });
});

// Porting documents as tests upload them.

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

/** POST /v1/numbers/porting-documents as a browser or curl would send it. */
export async function uploadDocument(baseUrl: string, key: string, parts: { documentType?: string; file?: Buffer; filename?: string; type?: string; extra?: [string, string][] }) {
  const form = new FormData();
  if (parts.documentType !== undefined) form.append('document_type', parts.documentType);
  for (const [name, value] of parts.extra ?? []) form.append(name, value);
  if (parts.file) form.append('file', new Blob([parts.file], { type: parts.type ?? 'application/pdf' }), parts.filename ?? 'loa.pdf');
  const res = await fetch(`${baseUrl}/v1/numbers/porting-documents`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

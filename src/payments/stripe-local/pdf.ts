/**
 * A minimal PDF 1.4 writer: one US-Letter page of text lines, uncompressed (so tests and humans can read the text
 * in the bytes), built-in fonts only, byte offsets computed for a valid cross-reference table.
 */
export interface PdfLine {
  text: string;
  /** Points from the left edge. */
  x?: number;
  size?: number;
  font?: 'regular' | 'bold' | 'mono';
  /** Extra space above this line, in points. */
  gapBefore?: number;
}

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 56;

/** WinAnsiEncoding for the few non-ASCII characters an invoice is likely to hold; anything else becomes '?'. */
const WIN_ANSI: Readonly<Record<string, number>> = { '€': 0x80, '£': 0xa3, '¥': 0xa5, '•': 0x95, '–': 0x96, '—': 0x97, '©': 0xa9, 'é': 0xe9, 'è': 0xe8, 'ü': 0xfc, 'ö': 0xf6, 'ä': 0xe4, 'ß': 0xdf };

function pdfString(text: string): Buffer {
  const bytes: number[] = [0x28];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const byte = code >= 0x20 && code < 0x7f ? code : (WIN_ANSI[ch] ?? 0x3f);
    // Parentheses and backslashes delimit PDF strings, so they are escaped.
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) bytes.push(0x5c);
    bytes.push(byte);
  }
  bytes.push(0x29);
  return Buffer.from(bytes);
}

const FONT_KEY = { regular: 'F1', bold: 'F2', mono: 'F3' } as const;

function contentStream(lines: PdfLine[]): Buffer {
  const parts: Buffer[] = [];
  let y = PAGE_HEIGHT - MARGIN;
  for (const line of lines) {
    const size = line.size ?? 10;
    y -= size * 1.4 + (line.gapBefore ?? 0);
    if (y < MARGIN) break;
    parts.push(Buffer.from(`BT /${FONT_KEY[line.font ?? 'regular']} ${size} Tf ${line.x ?? MARGIN} ${y.toFixed(1)} Td `, 'latin1'));
    parts.push(pdfString(line.text));
    parts.push(Buffer.from(' Tj ET\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

export function renderPdf(lines: PdfLine[], info: { title: string }): Buffer {
  const content = contentStream(lines);
  const font = (base: string) => `<< /Type /Font /Subtype /Type1 /BaseFont /${base} /Encoding /WinAnsiEncoding >>`;
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>', 'latin1'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', 'latin1'),
    Buffer.from(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Resources << /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R >> >> /Contents 4 0 R >>`,
      'latin1',
    ),
    Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`, 'latin1'), content, Buffer.from('\nendstream', 'latin1')]),
    Buffer.from(font('Helvetica'), 'latin1'),
    Buffer.from(font('Helvetica-Bold'), 'latin1'),
    Buffer.from(font('Courier'), 'latin1'),
    Buffer.concat([Buffer.from('<< /Title ', 'latin1'), pdfString(info.title), Buffer.from(' /Producer (voepy local Stripe) >>', 'latin1')]),
  ];
  // The binary comment line tells transfer tools the file is binary, as the PDF spec recommends.
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    offsets.push(offset);
    chunks.push(obj);
    offset += obj.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  const trailer = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${offset}\n%%EOF\n`;
  chunks.push(Buffer.from(xref + trailer, 'latin1'));
  return Buffer.concat(chunks);
}

import { PortingOrderStatus } from '../generated/prisma/enums';

// The porting order as both APIs show it, built from the row with its numbers and documents.

export const PORTING_ORDER_INCLUDE = {
  numbers: { orderBy: { e164: 'asc' as const } },
  documents: { select: { documentId: true } },
} as const;

export interface PortingOrderNumberView {
  phoneNumber: string;
  countryCode: string;
  numberType: string;
  fastPortable: boolean;
  status: string;
  focAt: Date | null;
  phoneNumberId: string | null;
  failureReason: string | null;
}

export interface PortingOrderView {
  id: string;
  tenantId: string;
  status: PortingOrderStatus;
  phoneNumbers: string[];
  numbers: PortingOrderNumberView[];
  documentIds: string[];
  comment: string | null;
  userFeedback: { comment: string | null };
  endUser: { entityName: string | null; accountNumber: string | null; postalCode: string | null } | null;
  focDate: Date | null;
  statusChangedAt: Date;
  portedAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
}

interface Row {
  id: string;
  tenantId: string;
  status: PortingOrderStatus;
  comment: string | null;
  endUser: unknown;
  focDate: Date | null;
  statusChangedAt: Date;
  portedAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
  numbers: { e164: string; countryCode: string; numberType: string; fastPortable: boolean; status: string; focAt: Date | null; phoneNumberId: string | null; failureReason: string | null }[];
  documents: { documentId: string }[];
}

export function portingOrderView(row: Row): PortingOrderView {
  const endUser = row.endUser as { entity_name?: string; account_number?: string; postal_code?: string } | null;
  return {
    id: row.id,
    tenantId: row.tenantId,
    status: row.status,
    phoneNumbers: row.numbers.map((n) => n.e164),
    numbers: row.numbers.map((n) => ({
      phoneNumber: n.e164, countryCode: n.countryCode, numberType: n.numberType, fastPortable: n.fastPortable, status: n.status,
      focAt: n.focAt, phoneNumberId: n.phoneNumberId, failureReason: n.failureReason,
    })),
    documentIds: row.documents.map((d) => d.documentId).sort(),
    comment: row.comment,
    userFeedback: { comment: row.comment },
    endUser: endUser ? { entityName: endUser.entity_name ?? null, accountNumber: endUser.account_number ?? null, postalCode: endUser.postal_code ?? null } : null,
    focDate: row.focDate,
    statusChangedAt: row.statusChangedAt,
    portedAt: row.portedAt,
    cancelledAt: row.cancelledAt,
    createdAt: row.createdAt,
  };
}

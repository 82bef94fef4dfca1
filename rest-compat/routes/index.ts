import { RestRoute } from '../route';
import { apiKeyRoutes } from './api-keys';
import { billingRoutes } from './billing';
import { callRoutes } from './calls';
import { fundingRoutes } from './funding';
import { invoiceRoutes } from './invoices';
import { numberRoutes } from './numbers';
import { emergencyAddressRoutes } from './emergency-addresses';
import { portingRoutes } from './porting';
import { refundRoutes } from './refunds';
import { webhookRoutes } from './webhooks';
import { recordingRoutes } from './recordings';
import { conferenceRoutes } from './conferences';

/** Every /v1 route; the OpenAPI test checks this table and rest-compat/openapi.yaml name the same routes. */

export const ROUTES: RestRoute[] = [...billingRoutes, ...fundingRoutes, ...invoiceRoutes, ...refundRoutes, ...apiKeyRoutes, ...portingRoutes, ...numberRoutes, ...emergencyAddressRoutes, ...webhookRoutes, ...callRoutes, ...recordingRoutes, ...conferenceRoutes];

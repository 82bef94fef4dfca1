export { ApiError, invalidRequest, notFound } from './api-error';
export { ERROR_STATUS, ErrorCode, isErrorCode, statusOf } from './catalogue';
export { normalizeError, ErrorBody } from './normalize';

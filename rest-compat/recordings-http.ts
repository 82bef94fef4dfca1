import type { RequestHandler } from 'express';
import { actorOf } from '../src/platform/auth/authenticate';
import { ServiceDeps } from '../src/platform/service-deps';
import { recordingAudio } from '../src/recordings/recordings.service';
import { sendRestError } from './errors';

// GET /v1/recordings/{id}/download: the recording's audio as bytes (GraphQL has no file type; the metadata is the
// `recording` query). 409 recording_not_ready until the carrier delivered it; the same service as everything else.

export const RECORDING_DOWNLOAD_PATH = '/recordings/:id/download';
/** For the OpenAPI check: routes served outside the route table. */
export const RECORDING_HTTP_ROUTES = ['get /recordings/{id}/download'];

export function downloadRecording(services: ServiceDeps): RequestHandler {
  return async (req, res) => {
    res.locals.routePattern = `/v1${RECORDING_DOWNLOAD_PATH}`;
    try {
      const audio = await recordingAudio(services, actorOf(res.locals.auth), String(req.params.id));
      const etag = `"${audio.sha256}"`;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
      if (req.get('if-none-match') === etag) return void res.status(304).end();
      res.setHeader('Content-Type', audio.contentType ?? 'audio/wav');
      res.setHeader('Content-Disposition', `attachment; filename="recording-${audio.id}.wav"`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.end(audio.content);
    } catch (err) {
      sendRestError(res, err);
    }
  };
}

import { CarrierCalls, CarrierSimulatorControls, isCarrierError } from '../carrier';
import { ApiError } from '../platform/errors';
import { CallCarrier } from './carrier-port';

/**
 * The carrier's calls API (the simulator, or a real carrier behind the same interface) as the domain's port. A
 * simulator (it has controls) can also play an inbound caller, for the test-mode endpoint.
 */
export function callCarrierFrom(carrier: CarrierCalls & { controls?: Pick<CarrierSimulatorControls, 'ringInbound'> }): CallCarrier {
  const controls = carrier.controls;
  return {
    answer: (upstreamCallId) => upstream('answer the call', () => carrier.answerCall(upstreamCallId)),
    reject: (upstreamCallId, cause) => upstream('reject the call', () => carrier.rejectCall(upstreamCallId, cause)),
    ...(controls ? { simulateInbound: (call) => upstream('ring the inbound call', async () => controls.ringInbound(call)) } : {}),
    dial: (req) => upstream('place the call', () => carrier.dial(req)),
    hangup: (upstreamCallId) => upstream('hang up the call', () => carrier.hangupCall(upstreamCallId)),
    leg: (upstreamCallId) => upstream('report on the call', () => carrier.callStatus(upstreamCallId)),
    onCallEvent: (listener) => carrier.onCallEvent((event) => listener(event)),
    control: (upstreamCallId, command) => upstream('run the call command', () => carrier.controlCall(upstreamCallId, command)),
    recordingContent: (ref) => upstream('hand over the recording', () => carrier.recordingContent(ref)),
    recording: (ref) => upstream('report on the recording', () => carrier.recordingStatus(ref)),
    onMediaEvent: (listener) => carrier.onMediaEvent((event) => listener(event)),
    conference: (ref, command) => upstream('run the conference command', () => carrier.controlConference(ref, command)),
  };
}

async function upstream<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    // The leg's state as the carrier sees it (ahead of the gateway's by an event still on its way).
    if (isCarrierError(err, 'call_leg_ended')) throw new ApiError('call_already_ended', 'The call already ended');
    if (isCarrierError(err, 'call_leg_not_answered')) throw new ApiError('call_not_in_required_state', 'The call is not answered yet');
    if (isCarrierError(err, 'conference_closed')) throw new ApiError('conference_action_invalid', 'The conference already ended');
    if (isCarrierError(err, 'conference_member_absent')) throw new ApiError('conference_action_invalid', 'The participant already left the conference (its call ended)');
    // Whatever else the carrier says went wrong, for the caller it is the carrier's failure: 502, retriable.
    if (isCarrierError(err)) throw new ApiError('upstream_error', `The carrier could not ${what} (${err.message}); retry with backoff`);
    throw err;
  }
}

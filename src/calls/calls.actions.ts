import { recordAudit } from '../audit/audit.service';
import { CallStatus } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { inTransaction } from '../platform/db/transaction';
import { ApiError } from '../platform/errors';
import { ServiceDeps } from '../platform/service-deps';
import { CALL_SELECT, CallView, isTerminal } from './calls.events';
import { bridge, recordStart, recordStop } from './calls.control';
import { answer, reject } from './calls.answer';
import { gather, streamingStart, streamingStop, transcriptionStart, transcriptionStop } from './calls.media';
import { applyInOrder } from './calls.progress';
import { endWithoutCarrier, getCall, requireCallCarrier } from './calls.service';

// Call control: POST /v1/calls/{id}/actions/<action> and the matching mutations all go through `callAction`,
// which owns the rules every action shares (scope, tenancy, 409 call_already_ended, 409
// call_not_in_required_state naming the states it needs), then runs the action's own handler (which checks the
// state again under the call's row lock). A new action is one entry in CALL_ACTIONS.

export interface CallActionContext {
  deps: ServiceDeps;
  actor: Actor;
  call: CallView;
  params: Record<string, unknown>;
}

export interface CallActionSpec {
  /** The statuses the action may start from. */
  validFrom: readonly CallStatus[];
  run(ctx: CallActionContext): Promise<CallView>;
}

const ANSWERED: readonly CallStatus[] = ['answered'];

export const CALL_ACTIONS = {
  hangup: { validFrom: ['queued', 'initiated', 'ringing', 'answered'], run: hangup },
  bridge: { validFrom: ANSWERED, run: ({ deps, actor, call, params }) => bridge(deps, actor, call, params) },
  record_start: { validFrom: ANSWERED, run: ({ deps, actor, call, params }) => recordStart(deps, actor, call, params) },
  record_stop: { validFrom: ANSWERED, run: ({ deps, actor, call }) => recordStop(deps, actor, call) },
  streaming_start: { validFrom: ANSWERED, run: ({ deps, actor, call, params }) => streamingStart(deps, actor, call, params) },
  streaming_stop: { validFrom: ANSWERED, run: ({ deps, actor, call, params }) => streamingStop(deps, actor, call, params) },
  transcription_start: { validFrom: ANSWERED, run: ({ deps, actor, call, params }) => transcriptionStart(deps, actor, call, params) },
  transcription_stop: { validFrom: ANSWERED, run: ({ deps, actor, call }) => transcriptionStop(deps, actor, call) },
  gather: { validFrom: ANSWERED, run: ({ deps, actor, call, params }) => gather(deps, actor, call, params) },
  // Inbound calls only (calls.answer.ts): an outbound call answers 409 call_not_in_required_state.
  answer: { validFrom: ['ringing'], run: answer },
  reject: { validFrom: ['ringing'], run: reject },
} satisfies Record<string, CallActionSpec>;

export type CallActionName = keyof typeof CALL_ACTIONS;

export async function callAction(deps: ServiceDeps, actor: Actor, id: string, action: CallActionName, params: Record<string, unknown> = {}): Promise<CallView> {
  requireScope(actor, 'calls:write');
  const spec: CallActionSpec | undefined = Object.prototype.hasOwnProperty.call(CALL_ACTIONS, action) ? CALL_ACTIONS[action] : undefined;
  if (!spec) throw new ApiError('invalid_request', `Unknown call action ${action}`);
  const call = await getCall(deps, actor, id);
  if (isTerminal(call.status)) throw new ApiError('call_already_ended', `The call already ended (${call.status})`);
  if (!spec.validFrom.includes(call.status)) {
    throw new ApiError('call_not_in_required_state', `${action} needs the call to be ${spec.validFrom.join(' or ')}; it is ${call.status}`);
  }
  return spec.run({ deps, actor, call, params });
}

/** Hangs up: the carrier ends the leg and the hangup is applied (rated and settled) before the answer. */
async function hangup({ deps, actor, call }: CallActionContext): Promise<CallView> {
  await inTransaction(deps.db, (tx) => recordAudit(tx, actor, { action: 'call.hangup_requested', resourceType: 'call', resourceId: call.id, before: { status: call.status } }));
  if (!call.upstreamCallId) {
    // Not dialled yet (the placing request is still in flight): nothing to tell the carrier.
    await endWithoutCarrier(deps, call.id, 'canceled', { hangupCause: 'originator_cancel', hangupSource: 'caller' });
  } else {
    const event = await requireCallCarrier(deps).hangup(call.upstreamCallId);
    // Through the call's queue, after any progress event still being applied, so the answer is counted.
    await applyInOrder(deps, event);
  }
  const after = await deps.db.call.findUniqueOrThrow({ where: { id: call.id }, select: CALL_SELECT });
  return after;
}

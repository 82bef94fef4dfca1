import { CallLegs } from './calls';
import { CarrierError } from './errors';
import { hash32 } from './random';
import { ConferenceCommand, ConferenceMemberState, ConferenceState } from './types';

/**
 * Conference rooms on the carrier's media servers. A room is opened by `create` (idempotent per the gateway's
 * ref), answered legs join it, and each member can be muted (the others stop hearing it) or held (it hears hold
 * music and the others stop hearing it). A member leaves when kicked or when its leg hangs up; a room opened with
 * `endWhenEmpty` closes when its last member leaves; `end` closes it at once and lets every member go (their legs
 * stay up). Every command is idempotent: repeating it leaves the room as the first one did. Commands on a room
 * that was never opened fail with `order_not_found`, joins of a leg that hung up with `call_leg_ended`, changes
 * to a member who is no longer in the room with `conference_member_absent`, and anything on a closed room with
 * `conference_closed`.
 */

interface Room {
  id: string;
  ref: string;
  endWhenEmpty: boolean;
  closed: boolean;
  members: Map<string, { muted: boolean; onHold: boolean }>;
}

export class ConferenceRooms {
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly legs: CallLegs,
    private readonly seed: string,
  ) {
    legs.whenLegEnds((upstreamCallId) => this.legEnded(upstreamCallId));
  }

  control(ref: string, command: ConferenceCommand): { upstreamConferenceId: string } {
    if (typeof ref !== 'string' || ref.length === 0) throw new CarrierError('order_invalid', 'a conference ref is required');
    if (command.type === 'create') {
      const existing = this.rooms.get(ref);
      if (existing) return { upstreamConferenceId: existing.id };
      const id = `cf_${hash32(this.seed, 'conference', ref).toString(16).padStart(8, '0')}${hash32(this.seed, 'conference-2', ref).toString(16).padStart(8, '0')}`;
      this.rooms.set(ref, { id, ref, endWhenEmpty: command.endWhenEmpty, closed: false, members: new Map() });
      return { upstreamConferenceId: id };
    }
    const room = this.rooms.get(ref);
    if (!room) throw new CarrierError('order_not_found', `no conference ${ref}`);
    if (command.type === 'end') {
      this.close(room);
      return { upstreamConferenceId: room.id };
    }
    if (room.closed) throw new CarrierError('conference_closed', `conference ${ref} has ended`);
    const member = room.members.get(command.upstreamCallId);
    switch (command.type) {
      case 'join': {
        if (member) return { upstreamConferenceId: room.id };
        const leg = this.legs.live(command.upstreamCallId);
        if (!leg) throw new CarrierError('order_not_found', `no call leg ${command.upstreamCallId}`);
        if (leg.ended) throw new CarrierError('call_leg_ended', `call leg ${command.upstreamCallId} has ended`);
        if (!leg.answered) throw new CarrierError('call_leg_not_answered', `call leg ${command.upstreamCallId} is not answered`);
        // A leg is in one room at a time: joining another moves it.
        for (const other of this.rooms.values()) if (other !== room) this.leave(other, command.upstreamCallId);
        room.members.set(command.upstreamCallId, { muted: command.muted, onHold: command.onHold });
        return { upstreamConferenceId: room.id };
      }
      case 'update':
        if (!member) throw new CarrierError('conference_member_absent', `call leg ${command.upstreamCallId} is not in conference ${ref}`);
        if (command.muted !== undefined) member.muted = command.muted;
        if (command.onHold !== undefined) member.onHold = command.onHold;
        return { upstreamConferenceId: room.id };
      case 'kick':
        this.leave(room, command.upstreamCallId);
        return { upstreamConferenceId: room.id };
    }
  }

  /** The room as the carrier sees it; null for a ref never opened. */
  state(ref: string): ConferenceState | null {
    const room = this.rooms.get(ref);
    if (!room) return null;
    const members: ConferenceMemberState[] = [...room.members].map(([upstreamCallId, m]) => ({ upstreamCallId, ...m }));
    return { upstreamConferenceId: room.id, ref: room.ref, closed: room.closed, members };
  }

  private leave(room: Room, upstreamCallId: string): void {
    if (!room.members.delete(upstreamCallId)) return;
    if (room.endWhenEmpty && room.members.size === 0) this.close(room);
  }

  private close(room: Room): void {
    room.closed = true;
    room.members.clear();
  }

  private legEnded(upstreamCallId: string): void {
    for (const room of this.rooms.values()) this.leave(room, upstreamCallId);
  }
}

import { hash32 } from './random';

/**
 * What the simulated callee and caller say, for transcription: deterministic per seed, media ref and utterance
 * index, so a test (or a demo) can tell exactly which text to expect. The speakers take turns, callee first.
 */

const OPENINGS = ['Hello', 'Hi there', 'Good morning', 'Yes', 'Sure', 'Okay', 'Thanks', 'Right'];
const MIDDLES = [
  'I am calling about my order',
  'the delivery is scheduled for Tuesday',
  'could you confirm the account number',
  'the invoice was paid last week',
  'we can move the appointment to Friday',
  'the technician will arrive in the afternoon',
  'please send the details by email',
  'I will check with the team and call back',
  'the number is ported and active now',
  'that works for me',
];
const CLOSINGS = ['thank you', 'talk soon', 'have a nice day', 'that is all', 'perfect', 'no problem'];

export interface Utterance {
  speaker: 'callee' | 'caller';
  text: string;
}

export function simulatedUtterance(seed: string, ref: string, index: number): Utterance {
  const pick = <T>(list: readonly T[], part: string) => list[hash32(seed, 'transcript', part, ref, index) % list.length];
  return {
    speaker: index % 2 === 0 ? 'callee' : 'caller',
    text: `${pick(OPENINGS, 'opening')}, ${pick(MIDDLES, 'middle')}, ${pick(CLOSINGS, 'closing')}.`,
  };
}

/** The partial result heard first: the utterance's first half, words only. */
export function partialOf(text: string): string {
  const words = text.replace(/[,.]/g, '').split(' ');
  return words.slice(0, Math.ceil(words.length / 2)).join(' ');
}

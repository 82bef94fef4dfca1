import { hash32 } from './random';

/**
 * The audio of a simulated recording: a RIFF/WAVE file, 8 kHz mono 8-bit PCM (telephone bandwidth; every player
 * reads it). Two voices take turns, each a tone whose pitch is fixed by the seed and the recording, so a file is
 * the same every time it is produced and two recordings differ.
 */

export const WAV_SAMPLE_RATE = 8000;
const HEADER_BYTES = 44;

export function simulatedRecordingWav(seed: string, ref: string, durationMs: number): Buffer {
  const samples = Math.max(0, Math.round((durationMs * WAV_SAMPLE_RATE) / 1000));
  const out = Buffer.alloc(HEADER_BYTES + samples + (samples % 2));
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(WAV_SAMPLE_RATE, 24);
  out.writeUInt32LE(WAV_SAMPLE_RATE, 28); // bytes per second: 1 byte per sample
  out.writeUInt16LE(1, 32); // block align
  out.writeUInt16LE(8, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples, 40);
  const pitches = [220 + (hash32(seed, 'voice-a', ref) % 200), 300 + (hash32(seed, 'voice-b', ref) % 250)];
  for (let i = 0; i < samples; i++) {
    // Turns of 1.5 s, with a short pause between them, like a conversation.
    const turn = Math.floor(i / (WAV_SAMPLE_RATE * 1.5));
    const inTurn = i % (WAV_SAMPLE_RATE * 1.5);
    const speaking = inTurn > WAV_SAMPLE_RATE * 0.2;
    const value = speaking ? Math.sin((2 * Math.PI * pitches[turn % 2] * i) / WAV_SAMPLE_RATE) * 0.4 : 0;
    out[HEADER_BYTES + i] = Math.round(128 + value * 127);
  }
  return out;
}

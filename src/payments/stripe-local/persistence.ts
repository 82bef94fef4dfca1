import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Saves state to a JSON file so a restarted `npm start` keeps its customers and cards. Writes are debounced (a burst
 * of API calls is one write) and atomic (temp file + rename), so a crash mid-write never leaves a torn file.
 */
export class Persistence {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => unknown,
    private readonly log: (line: string) => void,
    private readonly debounceMs = 100,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** The saved state, or undefined when there is no file yet. A corrupt file is an error, never silently emptied. */
  load(): unknown {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new Error(`local Stripe data file ${this.file} is not valid JSON: ${(err as Error).message}`);
    }
  }

  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Writes now if anything changed since the last write (and waits for a write already under way). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
  }

  private save(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      // Serialized now, so the file holds one consistent moment even while requests keep arriving.
      const text = JSON.stringify(this.snapshot());
      const tmp = `${this.file}.${process.pid}.tmp`;
      try {
        await mkdir(dirname(this.file), { recursive: true });
        await writeFile(tmp, text, 'utf8');
        await rename(tmp, this.file);
      } catch (err) {
        this.dirty = true;
        this.log(`local-stripe: could not save ${this.file}: ${(err as Error).message}`);
      }
    });
    return this.writing;
  }
}

// The "Now" block of the status page from bus facts: inputs, broker, outputs' health, backlogs, mails today, and the
// last mail of the panel and of each camera, kept apart: a camera that mails every day must never make a dead panel
// look alive. The parts worth keeping across a restart (mails today, last mails) are saved with the event log.
import type { BusEvents, HealthResult } from '../../core/bus.js';
import type { AlarmEvent } from '../../core/event.js';
import type { LastMail, StatusView } from './api.js';

/** Cameras remembered; the bridge itself makes up at most 64 from mails, the user names a few more. */
const maxCameras = 100;
/** Distinct SMTP codes counted per day; there are a dozen in use. */
const maxCodes = 50;

type CameraMail = StatusView['cameras'][number];

/** What is kept across a restart. */
export interface SavedNow {
  mails_today: StatusView['mails_today'];
  panel: LastMail | null;
  cameras: CameraMail[];
}

export class NowTracker {
  readonly #inputs = new Map<string, StatusView['inputs'][number]>();
  #broker: StatusView['broker'] = null;
  readonly #outputs = new Map<string, { problem: boolean | null; last: HealthResult | null }>();
  readonly #backlog = new Map<string, number>();
  #quarantine = { count: 0, totalBytes: 0 };
  #mailsToday: StatusView['mails_today'];
  #panel: LastMail | null = null;
  /** By camera id, newest last. */
  readonly #cameras = new Map<string, CameraMail>();
  readonly #today: () => string;
  readonly #mask: (text: string) => string;
  #changed = false;

  /**
   * `today`: the local date (`YYYY-MM-DD`) now: the counts start again at local midnight. `mask`: phone numbers and
   * secrets out of a mail's text.
   */
  constructor(today: () => string, mask: (text: string) => string) {
    this.#today = today;
    this.#mask = mask;
    this.#mailsToday = { date: today(), accepted: 0, refused: {} };
  }

  onIntake({ input, listening, address }: BusEvents['intake']): void {
    this.#inputs.set(input, { input, listening, address: address ?? null });
  }

  onBroker({ connected, url }: BusEvents['broker']): void {
    this.#broker = { connected, url };
  }

  onHealth({ output, problem, last }: BusEvents['health']): void {
    this.#outputs.set(output, { problem: problem ?? null, last: last ?? null });
  }

  onBacklog({ queue, depth }: BusEvents['backlog']): void {
    this.#backlog.set(queue, depth);
  }

  onQuarantine({ count, totalBytes }: BusEvents['quarantine']): void {
    this.#quarantine = { count, totalBytes };
  }

  onAccepted(): void {
    this.#rollOver().accepted += 1;
    this.#changed = true;
  }

  onRefused({ code }: BusEvents['mailRefused']): void {
    const { refused } = this.#rollOver();
    const key = String(code);
    if (!(key in refused) && Object.keys(refused).length >= maxCodes) return;
    refused[key] = (refused[key] ?? 0) + 1;
    this.#changed = true;
  }

  /** Only mails count: a raised event or a status page test never makes the panel or a camera look alive. */
  onEvent(event: AlarmEvent): void {
    if (event.input !== 'smtp') return;
    const text = this.#mask(event.text.slice(0, 1000));
    const mail: LastMail = { time: event.time, event_id: event.id, category: event.category, type: event.type, text };
    if (event.device === undefined) {
      this.#panel = mail;
    } else {
      this.#cameras.delete(event.device);
      this.#cameras.set(event.device, { ...mail, camera: event.device, name: event.sensor === null ? null : this.#mask(event.sensor) });
      const oldest = this.#cameras.keys().next().value;
      if (this.#cameras.size > maxCameras && oldest !== undefined) this.#cameras.delete(oldest);
    }
    this.#changed = true;
  }

  /** Whether something worth keeping changed since the last call. */
  takeChanged(): boolean {
    const changed = this.#changed;
    this.#changed = false;
    return changed;
  }

  view(): Omit<StatusView, 'version' | 'started' | 'uptime_seconds' | 'health' | 'alarm' | 'quarantine' | 'entities'> & {
    quarantine: { count: number; total_bytes: number };
  } {
    return {
      inputs: [...this.#inputs.values()],
      broker: this.#broker,
      outputs: [...this.#outputs].map(([output, health]) => ({ output, ...health })),
      backlog: Object.fromEntries(this.#backlog),
      quarantine: { count: this.#quarantine.count, total_bytes: this.#quarantine.totalBytes },
      mails_today: structuredClone(this.#rollOver()),
      panel: { last_mail: this.#panel },
      cameras: [...this.#cameras.values()].reverse(),
    };
  }

  /** Why the bridge cannot take mail now, from the inputs' facts (none listening yet, or one closed). */
  intakeProblems(): string[] {
    if (this.#inputs.size === 0) return ['no input is listening yet'];
    return [...this.#inputs.values()].filter(({ listening }) => !listening).map(({ input }) => `the ${input} input is not listening`);
  }

  toJSON(): SavedNow {
    return { mails_today: this.#rollOver(), panel: this.#panel, cameras: [...this.#cameras.values()] };
  }

  restore(saved: Partial<SavedNow> | undefined): void {
    if (!saved) return;
    const today = saved.mails_today;
    if (today && today.date === this.#today() && typeof today.accepted === 'number' && typeof today.refused === 'object')
      this.#mailsToday = { date: today.date, accepted: today.accepted, refused: { ...today.refused } };
    if (saved.panel && typeof saved.panel.time === 'string') this.#panel = saved.panel;
    for (const camera of (Array.isArray(saved.cameras) ? saved.cameras : []).slice(-maxCameras)) {
      if (typeof camera?.camera === 'string' && typeof camera.time === 'string') this.#cameras.set(camera.camera, camera);
    }
  }

  #rollOver(): StatusView['mails_today'] {
    const today = this.#today();
    if (this.#mailsToday.date !== today) this.#mailsToday = { date: today, accepted: 0, refused: {} };
    return this.#mailsToday;
  }
}

// What supervision watches and what it says, as data: the sources (the panel, each camera with a `silent_after`),
// which event is a sign of life of which, the entity that shows a silence, and the events it raises. Pure.
import type { EntityDeclaration, EntityState } from '../../core/entities.js';
import type { AlarmEvent, RaisedEventDraft } from '../../core/event.js';
import type { ListedCamera } from '../module.js';

/** One supervised sender. */
export interface WatchedSource {
  /** `panel`, `contact_id` (the panel's Contact ID path), or `camera/<id>`: a camera's id may be any word, `panel` too. */
  key: string;
  /** The camera's id; undefined for the panel. */
  camera: string | undefined;
  /** "Panel", or the camera's name. */
  name: string;
  silentAfterMs: number;
  entity: EntityDeclaration;
}

/** What a source's entity shows besides ON/OFF. */
export interface SourceFacts {
  /** When it was last heard from (ms): its last mail, or the start of watching when it never mailed. */
  heard: number;
  /** Whether `heard` is a mail. */
  mailed: boolean;
  silent: boolean;
  /**
   * The deadline a restart since the last mail gave it (ms): the first restart gives a whole interval (a mail may
   * have come while the bridge was down), each later one only the time the bridge was down.
   */
  restartDeadline?: number;
}

export const panelKey = 'panel';
export const contactIdKey = 'contact_id';
const cameraKey = (id: string) => `camera/${id}`;

/**
 * The panel when its interval is set, its Contact ID path when that one's is, then each listed camera with a
 * `silent_after`, in the list's order.
 */
export function watchedSources(
  panelSilentAfterMs: number | undefined,
  cameras: readonly ListedCamera[],
  contactIdSilentAfterMs?: number,
): WatchedSource[] {
  const sources: WatchedSource[] = [];
  if (panelSilentAfterMs !== undefined) {
    sources.push({
      key: panelKey,
      camera: undefined,
      name: 'Panel',
      silentAfterMs: panelSilentAfterMs,
      entity: { id: 'panel_silent', platform: 'binary_sensor', name: 'Panel silent', device: 'panel', device_class: 'problem' },
    });
  }
  if (contactIdSilentAfterMs !== undefined) {
    sources.push({
      key: contactIdKey,
      camera: undefined,
      name: 'Contact ID',
      silentAfterMs: contactIdSilentAfterMs,
      entity: { id: 'contact_id_silent', platform: 'binary_sensor', name: 'Contact ID silent', device: 'panel', device_class: 'problem' },
    });
  }
  for (const { id, name, silentAfterMs } of cameras) {
    if (silentAfterMs === undefined) continue;
    sources.push({
      key: cameraKey(id),
      camera: id,
      name,
      silentAfterMs,
      // The entity registry knows the bridge's and the panel's device only: a camera's sensor sits on the bridge's,
      // named after the camera. Its id stays within the registry's 64 characters: a camera id has at most 48.
      entity: {
        id: `camera_${id}_silent`,
        platform: 'binary_sensor',
        name: `${name} silent`,
        device: 'bridge',
        device_class: 'problem',
      },
    });
  }
  return sources;
}

/**
 * The source an event is a sign of life of: a mail of the panel (no `device`), a camera's own mail, or any Contact ID
 * report (a periodic test included). A test event of the status page (`input: test`) and an event the bridge raised
 * itself (`input: raised`) are nobody's.
 */
export function sourceKeyOf(event: AlarmEvent): string | undefined {
  if (event.input === 'contact_id') return contactIdKey;
  if (event.input !== 'smtp') return undefined;
  return event.device === undefined ? panelKey : cameraKey(event.device);
}

export function entityState(source: WatchedSource, facts: SourceFacts): EntityState {
  return {
    state: facts.silent ? 'ON' : 'OFF',
    attributes: {
      [source.key === contactIdKey ? 'last_report' : 'last_mail']: facts.mailed ? new Date(facts.heard).toISOString() : null,
      silent_since: facts.silent ? new Date(facts.heard).toISOString() : null,
      silent_after_s: Math.round(source.silentAfterMs / 1000),
    },
  };
}

export type SupervisionDraft = Omit<RaisedEventDraft, 'source'>;

/** `source_silent`: the source has not mailed since `since` (ms), `now` is when that was found. */
export function silentDraft(source: WatchedSource, since: number, now: number): SupervisionDraft {
  return {
    category: 'trouble',
    type: 'source_silent',
    text: `${title(source)} silent: no ${message(source)} for ${spanInWords(now - since)}`,
    sensor: source.camera === undefined ? null : source.name,
    details: details(source, since, now),
  };
}

/** `source_back`: a mail after a told silence; how long the source was silent, from its last sign of life before. */
export function backDraft(source: WatchedSource, since: number, now: number): SupervisionDraft {
  return {
    category: 'status',
    type: 'source_back',
    text: `${title(source)} back: a ${message(source)} after ${spanInWords(now - since)} of silence`,
    sensor: source.camera === undefined ? null : source.name,
    details: details(source, since, now),
  };
}

function title(source: WatchedSource): string {
  return source.camera === undefined ? source.name : `Camera ${source.name}`;
}

/** What a source sends: the Contact ID path reports, the others mail. */
function message(source: WatchedSource): string {
  return source.key === contactIdKey ? 'report' : 'mail';
}

function details(source: WatchedSource, since: number, now: number): RaisedEventDraft['details'] {
  return {
    source: source.camera === undefined ? source.key : 'camera',
    ...(source.camera === undefined ? {} : { camera: source.camera }),
    silent_since: new Date(since).toISOString(),
    silent_for_s: Math.max(0, Math.round((now - since) / 1000)),
    silent_after_s: Math.round(source.silentAfterMs / 1000),
  };
}

/** `45 min`, `25 h`, `3 d 4 h`: whole units, cut rather than rounded up (a silence is at least that long). */
export function spanInWords(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

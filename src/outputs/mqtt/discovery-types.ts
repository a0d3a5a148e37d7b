// The shapes discovery is built from and into, apart from the builders, so that the builders of the bridge's own
// devices and of the entities other parts declare can share them without importing each other.
import type { SourceCatalog } from '../../sources/catalog.js';
import type { OutputHealth } from '../module.js';
import type { Topics } from './topics.js';

export interface DiscoveryContext {
  nodeId: string;
  topics: Topics;
  version: string;
  /** Shown in Home Assistant as the origin's support URL; none when package.json names no homepage. */
  projectUrl: string | undefined;
  /** What the sources produce and describe: the event types, the panel's and the zones' devices. */
  catalog: SourceCatalog;
  motionOffDelaySeconds: number;
  /** The health every output reports: diagnostic entities of the bridge device. */
  health: readonly OutputHealth[];
}

export type Component = Record<string, unknown> & { platform: string };

export interface DeviceDiscovery {
  /** `[a-zA-Z0-9_-]`; the discovery topic's object id. Stable across restarts and versions. */
  id: string;
  device: Record<string, unknown>;
  /** Keyed by component id; each carries a stable unique_id. */
  components: Record<string, Component>;
}

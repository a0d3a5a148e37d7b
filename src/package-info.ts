// What package.json says about this program: shown in logs, --version and Home Assistant's device info.
import { readFileSync } from 'node:fs';

export interface PackageInfo {
  version: string;
  /** The project's web page, when package.json names one. */
  homepage: string | undefined;
}

export function readPackageInfo(): PackageInfo {
  const { version, homepage } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Partial<PackageInfo>;
  return { version: version ?? '0.0.0', homepage: shownHomepage(homepage) };
}

/** Until the project's home is filled in (project-home.yaml), package.json names `OWNER`: no link to show anyone. */
export function shownHomepage(url: string | undefined): string | undefined {
  return url === undefined || /\/OWNER\//.test(url) ? undefined : url;
}

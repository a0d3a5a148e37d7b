import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shownHomepage } from '../src/package-info.js';

describe('package info', () => {
  it('shows no homepage while the project home is a placeholder, and the real one once filled in', () => {
    assert.equal(shownHomepage('https://github.com/OWNER/alarm-mail-bridge#readme'), undefined);
    assert.equal(
      shownHomepage('https://github.com/someone/alarm-mail-bridge#readme'),
      'https://github.com/someone/alarm-mail-bridge#readme',
    );
    assert.equal(shownHomepage(undefined), undefined);
  });
});

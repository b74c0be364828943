/** The example configuration files are what operators start from: they must load as they are. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

// Every secret variable they name is set; Redis comes from the file (no REDIS_* override).
const env = new Proxy({} as NodeJS.ProcessEnv, {
  get: (_t, name) => (String(name).startsWith('REDIS') ? undefined : 'set'),
});

describe('examples/', () => {
  for (const file of ['examples/dossier-sync.json', 'examples/dossier-sync.yaml']) {
    it(`${file} loads under the strict configuration`, async () => {
      const config = await loadConfig(file, env);
      expect(config.sources.length).toBeGreaterThan(0);
      expect(config.national.baseUrl).toMatch(/^https?:\/\//);
    });
  }
});

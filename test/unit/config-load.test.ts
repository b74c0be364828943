import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, closedProvinceWarnings, figuresSourceOf, loadConfig } from '../../src/config/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const env = { U: 'user', P: 'secret', CID: 'client', CSEC: 'client-secret' };

const YAML = `
sources:
  - id: h49-dvcqg
    province: H49
    dialect: dvcqg
    baseUrl: http://127.0.0.1:8700/p/H49
    usernameEnv: U
    passwordEnv: P
    statusMap: { "DA_XU_LY": 9 }
  - id: h12-rest
    province: H12
    dialect: rest
    baseUrl: http://127.0.0.1:8701/p/H12
    tokenUrl: http://127.0.0.1:8701/oauth/token
    clientIdEnv: CID
    clientSecretEnv: CSEC
    statusMap: { DA_TIEP_NHAN: 2, DANG_XU_LY: 4, DA_XU_LY: 9 }
national:
  baseUrl: http://127.0.0.1:8700/national
  usernameEnv: U
  passwordEnv: P
`;

async function file(name: string, text: string) {
  const f = join(dir, name);
  await writeFile(f, text);
  return f;
}

async function error(f: string, e: Record<string, string> = env): Promise<ConfigError> {
  const err = await loadConfig(f, e).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadConfig', () => {
  it('reads YAML with both dialects', async () => {
    const cfg = await loadConfig(await file('ok.yaml', YAML), env);
    expect(cfg.sources.map((s) => [s.id, s.dialect])).toEqual([
      ['h49-dvcqg', 'dvcqg'],
      ['h12-rest', 'rest'],
    ]);
    expect(cfg.sources[0]!.statusMap).toEqual({ DA_XU_LY: 9 });
  });

  it('names the file when it is missing or not parseable', async () => {
    expect((await error(join(dir, 'absent.json'))).message).toContain('absent.json: cannot read');
    expect((await error(await file('bad.json', '{"sources": ['))).message).toMatch(/bad\.json: not valid JSON/);
    expect((await error(await file('bad.yaml', 'sources: [\n'))).message).toMatch(/bad\.yaml: not valid YAML/);
  });

  it('requires a status map for a rest source', async () => {
    const err = await error(
      await file('nomap.yaml', YAML.replace('    statusMap: { DA_TIEP_NHAN: 2, DANG_XU_LY: 4, DA_XU_LY: 9 }\n', '')),
    );
    expect(err.message).toContain('sources[1].statusMap');
  });

  it('names the field at fault: unknown dialect, non-http URL', async () => {
    const unknown = await error(await file('dialect.yaml', YAML.replace('dialect: rest', 'dialect: soap')));
    expect(unknown.message).toContain('sources[1].dialect');
    const ftp = await error(await file('url.yaml', YAML.replace('http://127.0.0.1:8700/national', 'ftp://national')));
    expect(ftp.message).toContain('national.baseUrl: must be an http:// or https:// URL');
  });

  it('refuses unknown keys anywhere, naming the key path and the key meant when one is close', async () => {
    const typos = YAML.replace(
      '    statusMap: { "DA_XU_LY": 9 }\n',
      '    statusMap: { "DA_XU_LY": 9 }\n    pagesize: 100\n    circuitBreaker: { failure: 3 }\n',
    ).replace(
      'national:\n',
      'tolerance: { default: { absolute: 2 } }\nsourcse: []\ntolerances: { metrics: { recieved: { percent: 1 } } }\nnational:\n  lookback: 30\n  colour: blue\n',
    );
    const err = await error(await file('typos.yaml', typos));
    expect(err.message.split('\n').slice(1)).toEqual([
      '  sources[0].circuitBreaker.failure: unknown key; did you mean failures?',
      '  sources[0].pagesize: unknown key; did you mean pageSize?',
      '  national.lookback: unknown key; did you mean lookbackDays?',
      '  national.colour: unknown key',
      '  tolerances.metrics.recieved: unknown key; did you mean received?',
      '  tolerance: unknown key; did you mean tolerances?',
      '  sourcse: unknown key; did you mean sources?',
    ]);
    const rest = await error(
      await file(
        'rest-typo.yaml',
        YAML.replace('    clientIdEnv: CID\n', '    clientIdEnv: CID\n    tokenurl: http://x\n'),
      ),
    );
    expect(rest.message).toContain('sources[1].tokenurl: unknown key; did you mean tokenUrl?'); // the rest dialect's own keys
  });

  it('two sources on one province: one of them, or none, must be named to supply its own figures', async () => {
    const two = YAML.replace('id: h12-rest\n    province: H12', 'id: h49-rest\n    province: H49');
    expect((await error(await file('two.yaml', two))).message).toContain(
      'provincialFigures.H49: province H49 has 2 sources (h49-dvcqg, h49-rest): name the one that supplies its own figures, or null for none',
    );
    const named = await loadConfig(await file('named.yaml', `${two}provincialFigures: { H49: h49-rest }\n`), env);
    expect(figuresSourceOf(named, 'H49')?.id).toBe('h49-rest');
    const none = await loadConfig(await file('none.yaml', `${two}provincialFigures: { H49: null }\n`), env);
    expect(figuresSourceOf(none, 'H49')).toBeNull();
    const alone = await loadConfig(await file('alone.yaml', YAML), env);
    expect(figuresSourceOf(alone, 'H12')?.id).toBe('h12-rest'); // a province's only source supplies its figures
    const wrong = await error(await file('wrong.yaml', `${YAML}provincialFigures: { H49: h12-rest, H01: null }\n`));
    expect(wrong.message).toContain(
      'provincialFigures.H49: "h12-rest" is not a source of H49 (its sources: h49-dvcqg)',
    );
    expect(wrong.message).toContain('provincialFigures.H01: no source is configured for province H01');
  });

  it('names the missing secret variable and the field that names it', async () => {
    const err = await error(await file('ok2.yaml', YAML), { U: 'user', P: 'secret', CID: 'client' });
    expect(err.message).toContain('sources[1].clientSecretEnv: environment variable CSEC is not set');
    expect(err.message).not.toContain('client-secret');
  });

  it('names the missing secret of the push account', async () => {
    const err = await error(await file('push.yaml', `${YAML}  push: { usernameEnv: PUSH_U, passwordEnv: PUSH_P }\n`), {
      ...env,
      PUSH_U: 'pusher',
    });
    expect(err.message).toContain('national.push.passwordEnv: environment variable PUSH_P is not set');
    const ok = await loadConfig(
      await file('push-ok.yaml', `${YAML}  push: { usernameEnv: PUSH_U, passwordEnv: PUSH_P }\n`),
      { ...env, PUSH_U: 'pusher', PUSH_P: 'x' },
    );
    expect(ok.national.push).toEqual({ usernameEnv: 'PUSH_U', passwordEnv: 'PUSH_P' });
  });
});

describe('the example configurations', () => {
  const secrets = Object.fromEntries(
    [
      'H49_USERNAME',
      'H49_PASSWORD',
      'H56_USERNAME',
      'H56_PASSWORD',
      'H12_CLIENT_ID',
      'H12_CLIENT_SECRET',
      'NATIONAL_USERNAME',
      'NATIONAL_PASSWORD',
      'OPS_HOOK_TOKEN',
      'SLACK_WEBHOOK_URL',
      'TELEGRAM_BOT_TOKEN',
      'SMTP_USER',
      'SMTP_PASSWORD',
    ].map((k) => [k, 'x']),
  );
  const examples = join(import.meta.dirname, '../../examples');

  it('are valid as shipped', async () => {
    const json = await loadConfig(join(examples, 'dossier-sync.json'), secrets);
    expect(json.sources.map((s) => s.id)).toEqual(['h49-dvcqg', 'h56-dvcqg']);
    const yaml = await loadConfig(join(examples, 'dossier-sync.yaml'), secrets);
    expect(yaml.sources.map((s) => s.dialect)).toEqual(['dvcqg', 'rest']);
    expect(yaml.sources[0]!.procedureMap).toEqual({ '1.003560.000.00.00.H49': '1.003560' });
    expect(yaml.alerts.channels.map((c) => c.kind)).toEqual(['json', 'slack', 'telegram', 'email']);
    expect(yaml.provincialFigures).toEqual({ H49: 'h49-dvcqg', H12: null });
  });
});

describe('closedProvinceWarnings', () => {
  const merged = YAML.replace('id: h12-rest\n    province: H12', 'id: h16-rest\n    province: H16').replace(
    'id: h49-dvcqg\n    province: H49',
    'id: h54-dvcqg\n    province: H54',
  );

  it('names each source whose province code closed in the 2025 merger, and what it is part of now', async () => {
    const cfg = await loadConfig(await file('merged.yaml', merged), env);
    expect(closedProvinceWarnings(cfg, new Date('2025-06-30T12:00:00+07:00'))).toEqual([]);
    expect(closedProvinceWarnings(cfg, new Date('2025-07-01T00:00:00+07:00'))).toEqual([
      'source h54-dvcqg: province H54 (Thái Bình) closed on 2025-06-30; it is part of Hưng Yên (code not in the unit registry) since',
      'source h16-rest: province H16 (Đắk Nông) closed on 2025-06-30; it is part of Lâm Đồng (H36) since',
    ]);
  });

  it('is quiet for kept codes and for codes the registry does not hold', async () => {
    const cfg = await loadConfig(await file('kept.yaml', YAML), env); // H49 kept; H12 not in the registry
    expect(closedProvinceWarnings(cfg, new Date('2026-11-23T00:00:00+07:00'))).toEqual([]);
  });
});

/**
 * Codes never become syntax: agency, procedure and dossier codes holding `|`, `:` or `@`
 * keep their own groups, counts and job ids (issue probes: a procedure `1.004776|x` turned a
 * local 34 into 3; a `:` in a code failed `reconcile-province` on BullMQ's job id check).
 */
import { describe, expect, it } from 'vitest';
import { examinable } from '../../src/reconcile/explain.js';
import { idPart, jobIds } from '../../src/queue/flows.js';
import { compareCounts } from '../../src/reconcile/compare.js';
import { zeroCounts, type Counts, type Figures } from '../../src/domain/figures.js';
import { compareGroups, groupKey, parseGroupKey, type Group } from '../../src/domain/group.js';
import { tupleKey } from '../../src/util/tuple-key.js';

const HOSTILE = [
  '1.004776|x',
  '1.004776',
  'a:b',
  'a@b',
  '|',
  ':',
  '@',
  '',
  '%0040',
  '*',
  'x|',
  '|x',
  'ư:ơ',
  '\u0000',
  '\ud800',
];

function fig(agency: string, procedure: string | null, counts: Partial<Counts>): Figures {
  return { agency, procedure, counts: { ...zeroCounts(), ...counts } };
}

describe('groupKey', () => {
  it('reads back every (agency, procedure), separators and all', () => {
    for (const agency of HOSTILE)
      for (const procedure of [null, ...HOSTILE])
        expect(parseGroupKey(groupKey(agency, procedure))).toEqual({ agency, procedure });
  });

  it('gives different groups different keys, where a join on "|" collided', () => {
    const groups: Group[] = HOSTILE.flatMap((agency) => [null, ...HOSTILE].map((procedure) => ({ agency, procedure })));
    expect(new Set(groups.map((g) => groupKey(g.agency, g.procedure))).size).toBe(groups.length);
    // `${agency}|${procedure ?? ''}` gave these the same key
    expect(groupKey('A|B', null)).not.toBe(groupKey('A', 'B|'));
    expect(groupKey('A', '')).not.toBe(groupKey('A', null));
    expect(tupleKey('D-1|received', 'late')).not.toBe(tupleKey('D-1', 'received|late'));
  });

  it('orders groups by agency, the agency total first, then by procedure', () => {
    const shuffled: Group[] = [
      { agency: 'B', procedure: 'p' },
      { agency: 'A', procedure: 'q' },
      { agency: 'A', procedure: null },
      { agency: 'B', procedure: null },
      { agency: 'A', procedure: 'p|z' },
      { agency: 'A', procedure: 'p' },
    ];
    expect([...shuffled].sort(compareGroups)).toEqual([
      { agency: 'A', procedure: null },
      { agency: 'A', procedure: 'p' },
      { agency: 'A', procedure: 'p|z' },
      { agency: 'A', procedure: 'q' },
      { agency: 'B', procedure: null },
      { agency: 'B', procedure: 'p' },
    ]);
  });
});

describe('compareCounts with separators in codes', () => {
  it('keeps `1.004776` and `1.004776|x` apart: each group its own counts, in report order', () => {
    const A = '000.00.12.H49';
    const local = [
      fig(A, null, { received: 37 }),
      fig(A, '1.004776', { received: 34 }),
      fig(A, '1.004776|x', { received: 3 }),
    ];
    const national = [
      fig(A, null, { received: 37 }),
      fig(A, '1.004776', { received: 34 }),
      fig(A, '1.004776|x', { received: 3 }),
    ];
    expect(compareCounts(local, national)).toEqual([]);
    const behind = [
      fig(A, null, { received: 36 }),
      fig(A, '1.004776', { received: 34 }),
      fig(A, '1.004776|x', { received: 2 }),
    ];
    expect(compareCounts(local, behind).map((m) => [m.agency, m.procedure, m.local, m.national])).toEqual([
      [A, null, 37, 36],
      [A, '1.004776|x', 3, 2],
    ]);
  });

  it('examines each mismatch of an agency whose code holds "|", kept apart from the agency it starts with', () => {
    const local = [
      fig('A|received', null, { received: 5, late: 1 }),
      fig('A|received', 'p', { received: 5, late: 1 }),
      fig('A', null, { received: 5 }),
    ];
    const national = [
      fig('A|received', null, { received: 5 }),
      fig('A|received', 'p', { received: 4, late: 1 }),
      fig('A', null, { received: 4 }),
    ];
    const out = compareCounts(local, national);
    expect(out.filter(examinable).map((m) => [m.agency, m.procedure, m.metric])).toEqual([
      ['A', null, 'received'],
      ['A|received', null, 'late'],
      ['A|received', 'p', 'received'],
    ]);
  });
});

describe('job ids', () => {
  const run = '20261101000000-ab12';

  it('leave the usual codes readable', () => {
    expect(jobIds.explain(run, 'H49')).toBe(`explain@${run}@H49`);
    expect(jobIds.sync(run, 'h49-dvcqg')).toBe(`sync@${run}@h49-dvcqg`);
  });

  it('never hold ":" and never share an id between different codes', () => {
    const ids = new Set<string>();
    for (const source of HOSTILE)
      for (const webhook of HOSTILE) {
        const id = jobIds.alert(run, webhook, source);
        expect(id).not.toContain(':');
        expect(id.split('@')).toHaveLength(4); // the separator only between components
        ids.add(id);
      }
    expect(ids.size).toBe(HOSTILE.length * HOSTILE.length);
    expect(new Set(HOSTILE.map(idPart)).size).toBe(HOSTILE.length);
  });
});

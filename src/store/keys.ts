/**
 * Every Redis key of the store, and nothing else names one. Keys of one province share a
 * hash tag (`{H49}`) so that a page, its checkpoint and its counters can be applied in one
 * script on Redis Cluster too, and different provinces spread over a cluster's masters. The
 * keys that belong to no province (runs, incidents, alerts, the nightly marker) share the tag
 * `{global}`, so that a MULTI across them keeps to one slot.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  private p(province: string): string {
    return `${this.prefix}:{${province}}`;
  }
  private get g(): string {
    return `${this.prefix}:{global}`;
  }
  /** Where a key of no province was before the `{global}` tag (`dsync:runs`), and is now. */
  static readonly UNTAGGED_ROOTS = [
    'runs',
    'incidents',
    'incidents:open',
    'incidents:migrated',
    'alerts:sent',
    'alerts:group-sent',
    'nightly:last',
    'national:load',
  ] as const;
  untagged(rest: string): string {
    return `${this.prefix}:${rest}`;
  }
  /** The tagged name of an untagged key of no province (`dsync:run:R` → `dsync:{global}:run:R`). */
  tagged(untagged: string): string {
    return `${this.g}:${untagged.slice(this.prefix.length + 1)}`;
  }
  /**
   * The layout before buckets (one hash of every dossier, code → packed value): still read,
   * and emptied into the buckets as it is met (`Store.migrate`).
   */
  dossiers(province: string): string {
    return `${this.p(province)}:dossiers`;
  }
  /**
   * The prefix of a province's dossier layout (src/store/layout.ts), from which the scripts
   * build its keys: `:b:<bucket>` (a bucket), `:bm:<YYMM>` (the buckets of a code month),
   * `:months` (the code months with buckets), `:be:<YYMM>` (a code month's edge buckets),
   * `:edge-months` (the code months whose edge list is complete), `:o:<bucket>` (a bucket's
   * open dossiers), `:open-buckets` (the buckets with open dossiers), `:c:<bucket>` (a bucket's
   * closed dossiers), `:cm:<YYYYMM>` (the buckets whose closed dossiers can count up to that
   * month), `:close-months` (those months), `:odd` (codes of another shape, by code), `:meta`
   * (how many dossiers; `closed-twins` once the open twins are split; `newest` and
   * `newest-known`, the newest stored version, src/store/newest.ts). All share the province's
   * hash tag.
   */
  layout(province: string): string {
    return `${this.p(province)}:d`;
  }
  /** A source's checkpoint: the regular one, or a backfill's own (which never moves the regular one). */
  checkpoint(province: string, source: string, backfill?: string): string {
    return `${this.p(province)}:checkpoint:${source}${backfill ? `:backfill:${backfill}` : ''}`;
  }
  syncStats(province: string, source: string, runId: string): string {
    return `${this.p(province)}:sync:${runId}:${source}`;
  }
  quarantine(province: string, source: string): string {
    return `${this.p(province)}:quarantine:${source}`;
  }
  quarantineReasons(province: string, source: string): string {
    return `${this.p(province)}:quarantine-reasons:${source}`;
  }
  /** The latest window end a nightly run was started for (catch-up starts after it). */
  lastNight(): string {
    return `${this.g}:nightly:last`;
  }
  runs(): string {
    return `${this.g}:runs`;
  }
  run(runId: string): string {
    return `${this.g}:run:${runId}`;
  }
  runProvince(runId: string, province: string): string {
    return `${this.g}:run:${runId}:province:${province}`;
  }
  runFindings(runId: string, province: string): string {
    return `${this.g}:run:${runId}:findings:${province}`;
  }
  /** The codes a run's findings of a province name besides their own, to their fields (src/store/finding-codes.ts). */
  runFindingCodes(runId: string, province: string): string {
    return `${this.g}:run:${runId}:finding-codes:${province}`;
  }
  /** What the run list shows of a run, per province, in a few counts (src/store/run-lines.ts). */
  runLines(runId: string): string {
    return `${this.g}:run:${runId}:lines`;
  }
  /** The national requests and records of a run, per province (`<province>|requests`, `<province>|records`) and in all. */
  runNational(runId: string): string {
    return `${this.g}:run:${runId}:national`;
  }
  /** The national requests and records of every run, per province: what /metrics counts. */
  nationalLoad(): string {
    return `${this.g}:national:load`;
  }
  runIncidents(runId: string): string {
    return `${this.g}:run:${runId}:incidents`;
  }
  incidents(): string {
    return `${this.g}:incidents`;
  }
  openIncidents(): string {
    return `${this.g}:incidents:open`;
  }
  /** The keys of a province's incidents for one period. */
  incidentsOf(province: string, period: { from: string; to: string }): string {
    return `${this.g}:incidents:of:${province}:${period.from}..${period.to}`;
  }
  /** The keys of a province's incidents, open or resolved, whatever their period. */
  incidentsIn(province: string): string {
    return `${this.g}:incidents:in:${province}`;
  }
  /** Set once `incidentsIn` holds every incident stored before it was kept. */
  incidentsIndexed(): string {
    return `${this.g}:incidents:indexed`;
  }
  /** Set once the incidents stored under per-metric keys have been resolved. */
  incidentsMigrated(): string {
    return `${this.g}:incidents:migrated`;
  }
  /** A run's repair: each dossier's push state while it is pushed (`sending`), by province and code. */
  repairState(runId: string): string {
    return `${this.g}:run:${runId}:repair:state`;
  }
  /** A run's repair: the record of each pushed dossier (who, when, what, result), by province and code. */
  repairRecords(runId: string): string {
    return `${this.g}:run:${runId}:repair:records`;
  }
  /** The (run, province) pairs whose repair pushed a dossier, by time of the push: the dossier's page reads their records. */
  repairsOfDossier(code: string): string {
    return `${this.g}:repair:dossier:${code}`;
  }
  /** Pushes stored by the portal that no reconciliation has checked yet. */
  repairsPending(): string {
    return `${this.g}:repair:pending`;
  }
  /** What a run found of earlier repairs, per province. */
  runRepairChecks(runId: string): string {
    return `${this.g}:run:${runId}:repair:checks`;
  }
  /** When each alert group was last sent a message (epoch ms), for `alerts.repeatHours`. */
  alertGroupSent(): string {
    return `${this.g}:alerts:group-sent`;
  }
}

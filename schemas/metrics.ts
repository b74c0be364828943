/** The figures a period is counted in (docs/domain.md, The metrics): the same list in every report, store and wire shape. */
export const METRICS = [
  'received',
  'carriedOver',
  'toProcess',
  'processed',
  'onTime',
  'late',
  'unprocessed',
  'unprocessedNotDue',
  'overdue',
  'online',
  'postal',
  'digitised',
] as const;

/** What a normaliser makes of one raw item, whatever its dialect: the canonical dossier, or why it is quarantined. */
import type { CanonicalDossier } from '../../schemas/dossier.js';

export type Normalised = { ok: true; dossier: CanonicalDossier } | { ok: false; reason: string };

export type Bundle = Record<string, unknown>;

/** Namespace → texts of one language, from its shell files (`i18n/<lang>/<ns>.json`) and feature files (`features/<ns>/locales/<lang>.json`). */
export function collect(core: Record<string, Bundle>, features: Record<string, Bundle>): Record<string, Bundle> {
  const out: Record<string, Bundle> = {};
  for (const [file, bundle] of Object.entries(core)) {
    const m = /\/([^/]+)\.json$/.exec(file);
    if (m) out[m[1]!] = bundle;
  }
  for (const [file, bundle] of Object.entries(features)) {
    const m = /\/features\/([^/]+)\/locales\/[^/]+\.json$/.exec(file);
    if (m) out[m[1]!] = bundle;
  }
  return out;
}

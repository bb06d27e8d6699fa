import type { Role } from '../../platform/tenancy.js';

/**
 * Who receives a notification: named people and everyone holding one of the roles, each once,
 * active people only (the list given is the organisation's active desk people), never the person
 * who caused it. Order follows the people list, so the rows come out the same every time.
 */
export function recipientsFor(people: readonly { id: string; role: string; active: boolean }[], to: string[] | { role: Role[]; userIds?: string[] }, except: string | null): string[] {
  const ids = new Set(Array.isArray(to) ? to : (to.userIds ?? []));
  const roles = new Set<string>(Array.isArray(to) ? [] : to.role);
  return people.filter((p) => p.active && p.id !== except && (ids.has(p.id) || roles.has(p.role))).map((p) => p.id);
}

/**
 * Which of the recipients hear it where: in the app unless they turned this kind off there (the
 * default is on), by e-mail only when they asked for it and the installation can send mail (the
 * default is off). "Both" and "off" are the two switches together.
 */
export function channelsFor(
  recipients: readonly string[],
  prefs: readonly { userId: string; inApp: boolean; email: boolean; emailDigest?: boolean }[],
  emailAvailable: boolean,
): { inApp: string[]; email: string[]; digest: string[] } {
  const by = new Map(prefs.map((p) => [p.userId, p]));
  const mailed = emailAvailable ? recipients.filter((u) => by.get(u)?.email ?? false) : [];
  // E-mail goes out straight away, or waits for the daily digest when the person chose that.
  return {
    inApp: recipients.filter((u) => by.get(u)?.inApp ?? true),
    email: mailed.filter((u) => !by.get(u)?.emailDigest),
    digest: mailed.filter((u) => !!by.get(u)?.emailDigest),
  };
}

import type { Http } from '../platform/http.js';
import type { CoreServices, Platform, Services } from './deps.js';

/**
 * The one place where domain modules and integrations are wired in. Each module adds one line
 * to each function below (its services, its routes, its jobs and outbox handlers).
 */
export function buildModuleServices(p: Platform, core: CoreServices) {
  void p;
  void core;
  return {};
}

export async function registerModuleRoutes(app: Http, p: Platform, s: Services): Promise<void> {
  void app;
  void p;
  void s;
}

/** Jobs (pg-boss) and outbox handlers. Called by the worker and by tests that drive handlers. */
export async function registerModuleWorkers(p: Platform, s: Services): Promise<void> {
  void p;
  void s;
}

/**
 * Things that run beside the server in `afterdesk start` (the TikTok sandbox and its demo clock).
 * Returns a stopper.
 */
export async function startHooks(p: Platform, s: Services, opts: { demo: boolean; port: number }): Promise<{ stop(): Promise<void> }> {
  void p;
  void s;
  void opts;
  return { stop: async () => undefined };
}

import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { LiveMessage } from '../../../platform/live.dto';

/**
 * The one live-update channel: an EventSource on `/api/events` (the session cookie signs it in)
 * whose messages only say what changed; the matching TanStack queries are invalidated and refetch.
 * The browser reconnects by itself; every (re)connect starts with `resync`, which refreshes all.
 */
export function useLiveEvents(): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/events', { withCredentials: true });
    es.onmessage = (ev) => {
      let m: LiveMessage;
      try {
        m = JSON.parse(ev.data as string) as LiveMessage;
      } catch {
        return;
      }
      switch (m.type) {
        case 'ticket':
          void qc.invalidateQueries({ queryKey: ['inbox', 'list'] });
          void qc.invalidateQueries({ queryKey: ['inbox', 'counts'] });
          void qc.invalidateQueries({ queryKey: ['inbox', 'ticket', m.ticketId] });
          void qc.invalidateQueries({ queryKey: ['inbox', 'clocks', m.ticketId] });
          return;
        case 'delivery':
          void qc.invalidateQueries({ queryKey: ['inbox', 'ticket', m.ticketId] });
          return;
        case 'notification':
          void qc.invalidateQueries({ queryKey: ['notifications'] });
          return;
        case 'incident':
          void qc.invalidateQueries({ queryKey: ['incidents', 'status', m.incidentId] });
          return;
        case 'presence':
          void qc.invalidateQueries({ queryKey: ['inbox', 'viewers', m.ticketId] });
          return;
        case 'resync':
          void qc.invalidateQueries();
          return;
      }
    };
    return () => es.close();
  }, [qc]);
}

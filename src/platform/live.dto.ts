/** What the browser receives on `GET /api/events` (one JSON object per `data:` line; ids only). */
export type LiveMessage =
  | { type: 'ticket'; ticketId: string }
  | { type: 'notification' }
  | { type: 'delivery'; ticketId: string; messageId: string; status: 'done' | 'failed' }
  | { type: 'presence'; ticketId: string; userId: string }
  | { type: 'incident'; incidentId: string }
  | { type: 'resync' };

import { actorOf, EmptyBody, errors, type Http } from '../../platform/http.js';
import { MarkReadInput, MarkReadResult, NotificationListQuery, NotificationPage, PreferencesInput, PreferencesView, UnreadCountView } from './notifications.dto.js';
import { notificationView, type NotificationsService } from './notifications.service.js';

export function notificationsRoutes(app: Http, svc: NotificationsService): void {
  const tags = ['notifications'];
  app.get('/api/notifications', { schema: { tags, operationId: 'notifications.list', summary: 'My notifications, newest first', querystring: NotificationListQuery, response: { 200: NotificationPage, ...errors() } } }, async (req) => {
    const page = await svc.list(actorOf(req), req.query);
    return { items: page.items.map(notificationView), nextCursor: page.nextCursor };
  });
  app.get('/api/notifications/unread-count', { schema: { tags, operationId: 'notifications.unreadCount', summary: 'How many of my notifications are unread', response: { 200: UnreadCountView, ...errors() } } }, async (req) => ({ unread: await svc.unreadCount(actorOf(req)) }));
  app.post('/api/notifications/read', { schema: { tags, operationId: 'notifications.markRead', summary: 'Mark some of my notifications read', body: MarkReadInput, response: { 200: MarkReadResult, ...errors() } } }, async (req) => ({ updated: await svc.markRead(actorOf(req), req.body.ids) }));
  app.post('/api/notifications/read-all', { schema: { tags, operationId: 'notifications.markAllRead', summary: 'Mark all my notifications read', body: EmptyBody, response: { 200: MarkReadResult, ...errors() } } }, async (req) => ({ updated: await svc.markAllRead(actorOf(req)) }));
  app.get('/api/notifications/preferences', { schema: { tags, operationId: 'notifications.preferences', summary: 'My notification preferences per kind', response: { 200: PreferencesView, ...errors() } } }, async (req) => svc.preferences(actorOf(req)));
  app.put('/api/notifications/preferences', { schema: { tags, operationId: 'notifications.setPreferences', summary: 'Change my notification preferences', body: PreferencesInput, response: { 200: PreferencesView, ...errors() } } }, async (req) => svc.setPreferences(actorOf(req), req.body.items));
}

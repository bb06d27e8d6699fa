export { createNotificationsService, notificationView, type NotificationsService, type Notify, type NotifyInput, type NotificationRow } from './notifications.service.js';
export { notificationsRoutes } from './notifications.routes.js';
export { notificationsPrivacy } from './notifications.privacy.js';
export { recipientsFor } from './notifications.rules.js';
export * from './notifications.dto.js';

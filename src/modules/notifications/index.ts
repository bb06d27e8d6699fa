export { createNotificationsService, notificationMailHandler, NOTIFICATION_MAIL_STEP, notificationDigestHandler, NOTIFICATION_DIGEST_STEP, NOTIFICATION_DIGEST_JOB, notificationView, type NotificationsService, type Notify, type NotifyInput, type NotificationRow } from './notifications.service.js';
export { notificationsRoutes } from './notifications.routes.js';
export { notificationsPrivacy } from './notifications.privacy.js';
export { recipientsFor, channelsFor } from './notifications.rules.js';
export { notificationMail, notificationLine, mailLocale, digestMail } from './notifications.mail.js';
export * from './notifications.dto.js';

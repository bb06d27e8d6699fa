import {useQuery, useQueryClient } from '@tanstack/react-query';
import type { NotificationView, PreferencesView, NotificationKind } from '../../../../modules/notifications/notifications.dto.js';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';

export type { NotificationView, PreferencesView, NotificationKind };

export const notificationKeys = {
  all: ['notifications'] as const,
  count: ['notifications', 'count'] as const,
  list: ['notifications', 'list'] as const,
  prefs: ['notifications', 'prefs'] as const,
};

// The live channel invalidates these on every new notification; the poll is only a net.
export function useUnreadCount() {
  return useQuery({ queryKey: notificationKeys.count, queryFn: ({ signal }) => api.get<{ unread: number }>('/api/notifications/unread-count', { signal }), refetchInterval: 60_000 });
}

export function useNotifications(enabled: boolean) {
  return useQuery({ queryKey: notificationKeys.list, queryFn: ({ signal }) => api.get<{ items: NotificationView[]; nextCursor: string | null }>('/api/notifications?limit=30', { signal }), enabled });
}

export function usePreferences(enabled: boolean) {
  return useQuery({ queryKey: notificationKeys.prefs, queryFn: ({ signal }) => api.get<PreferencesView>('/api/notifications/preferences', { signal }), enabled });
}

export function useNotificationMutation<I>(fn: (input: I) => Promise<unknown>) {
  const qc = useQueryClient();
  return useApiMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: notificationKeys.all }) });
}

import { ActionIcon, Button, Group, Indicator, Loader, Modal, Popover, ScrollArea, Stack, Switch, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconBell, IconSettings } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api } from '../../lib/api';
import { formatMoney } from '../../lib/money';
import './notifications.css';
import { useNotificationMutation, useNotifications, usePreferences, useUnreadCount, type NotificationKind, type NotificationView } from './api';
import { formatterFor } from '../../lib/format';

/** The words of a notification, from its kind and values in the reader's language (never stored prose). */
export function useNotificationText() {
  const { t, i18n } = useTranslation('notifications');
  return (n: NotificationView): string => {
    const p = n.params;
    const amount = typeof p.amount === 'number' && typeof p.currency === 'string' ? formatMoney(p.amount, p.currency, i18n.language) : '';
    const metric = typeof p.metric === 'string' ? t(`metrics.${p.metric}`, { defaultValue: p.metric }) : '';
    const decision = typeof p.decision === 'string' ? t(`decisions.${p.decision}`, { defaultValue: p.decision }) : '';
    const handler = typeof p.handler === 'string' ? t(`handlers.${p.handler.replace(/\./g, '_')}`, { defaultValue: p.handler }) : '';
    const channel = typeof p.channel === 'string' ? t(`channels.${p.channel}`, { defaultValue: p.channel }) : '';
    const step = typeof p.step === 'string' ? t(`steps.${p.step}`, { defaultValue: p.step }) : '';
    return t(`kinds.${n.kind}`, { defaultValue: t('kinds.other'), ...p, amount, metric, decision, handler, channel, step, by: p.by ?? t('someone') });
  };
}

function ago(iso: string, lang: string): string {
  return formatterFor(lang).relative(iso);
}

export function NotificationBell() {
  const { t, i18n } = useTranslation('notifications');
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const [prefsOpen, setPrefsOpen] = useState(false);
  const count = useUnreadCount();
  const list = useNotifications(opened);
  const text = useNotificationText();
  const markRead = useNotificationMutation((ids: string[]) => api.post('/api/notifications/read', { ids }));
  const markAll = useNotificationMutation(() => api.post('/api/notifications/read-all', {}));
  const unread = count.data?.unread ?? 0;

  const openOne = (n: NotificationView) => {
    if (!n.read) markRead.mutate([n.id]);
    setOpened(false);
    if (n.link) navigate(n.link);
  };

  return (
    <>
      <Popover opened={opened} onChange={setOpened} width={360} position="bottom-end" shadow="md" withinPortal>
        <Popover.Target>
          <Indicator label={unread > 99 ? '99+' : unread} size={16} disabled={!unread} color="red" offset={4} data-testid="bell-count">
            <Tooltip label={t('title')}>
              <ActionIcon variant="subtle" color="gray" size="lg" onClick={() => setOpened((o) => !o)} aria-label={t('open', { count: unread })} data-testid="bell" data-unread={unread}>
                <IconBell size={20} stroke={1.6} />
              </ActionIcon>
            </Tooltip>
          </Indicator>
        </Popover.Target>
        <Popover.Dropdown p={0} data-testid="notifications">
          <Group justify="space-between" px="sm" py={8} wrap="nowrap">
            <Text fw={600} size="sm">
              {t('title')}
            </Text>
            <Group gap={4} wrap="nowrap">
              <Button size="compact-xs" variant="subtle" onClick={() => markAll.mutate(undefined)} disabled={!unread} data-testid="mark-all-read">
                {t('markAll')}
              </Button>
              <Tooltip label={t('preferences')}>
                <ActionIcon size="sm" variant="subtle" color="gray" onClick={() => { setOpened(false); setPrefsOpen(true); }} aria-label={t('preferences')} data-testid="notification-prefs">
                  <IconSettings size={15} />
                </ActionIcon>
              </Tooltip>
            </Group>
          </Group>
          <ScrollArea.Autosize mah={420}>
            {list.isPending && (
              <Group justify="center" p="md">
                <Loader size="xs" />
              </Group>
            )}
            {list.data && list.data.items.length === 0 && (
              <Text size="sm" c="dimmed" p="md" ta="center">
                {t('empty')}
              </Text>
            )}
            <Stack gap={0}>
              {list.data?.items.map((n) => (
                <UnstyledButton key={n.id} onClick={() => openOne(n)} className={`ad-notification ${n.read ? '' : 'ad-notification--unread'}`} data-testid="notification" data-kind={n.kind} data-read={n.read}>
                  <Group gap={8} wrap="nowrap" align="flex-start">
                    {!n.read && <span className="ad-notification-dot" aria-hidden />}
                    <div style={{ minWidth: 0 }}>
                      <Text size="sm" data-testid="notification-text">
                        {text(n)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {ago(n.createdAt, i18n.language)}
                      </Text>
                    </div>
                  </Group>
                </UnstyledButton>
              ))}
            </Stack>
          </ScrollArea.Autosize>
        </Popover.Dropdown>
      </Popover>
      <PreferencesModal opened={prefsOpen} onClose={() => setPrefsOpen(false)} />
    </>
  );
}

function PreferencesModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation('notifications');
  const prefs = usePreferences(opened);
  const save = useNotificationMutation((items: { kind: NotificationKind; inApp: boolean; email: boolean; emailDigest?: boolean }[]) => api.put('/api/notifications/preferences', { items }));
  return (
    <Modal opened={opened} onClose={onClose} title={t('preferences')} size="lg">
      <Stack gap="xs">
        {prefs.data?.items.map((p) => (
          <Group key={p.kind} justify="space-between" wrap="wrap" gap="xs">
            <Text size="sm">{t(`kindNames.${p.kind}`)}</Text>
            <Group gap="md" wrap="wrap">
              <Switch size="xs" label={t('inApp')} checked={p.inApp} onChange={(e) => save.mutate([{ kind: p.kind, inApp: e.currentTarget.checked, email: p.email }])} data-testid={`pref-${p.kind}`} />
              <Tooltip label={t('emailLater')} disabled={prefs.data?.emailAvailable}>
                <div>
                  <Switch size="xs" label={t('email')} checked={p.email} disabled={!prefs.data?.emailAvailable} onChange={(e) => save.mutate([{ kind: p.kind, inApp: p.inApp, email: e.currentTarget.checked }])} />
                </div>
              </Tooltip>
              <Tooltip label={t('digestHint')}>
                <div>
                  <Switch
                    size="xs"
                    label={t('digest')}
                    checked={p.emailDigest}
                    disabled={!prefs.data?.emailAvailable || !p.email}
                    onChange={(e) => save.mutate([{ kind: p.kind, inApp: p.inApp, email: p.email, emailDigest: e.currentTarget.checked }])}
                    data-testid={`pref-digest-${p.kind}`}
                  />
                </div>
              </Tooltip>
            </Group>
          </Group>
        ))}
      </Stack>
    </Modal>
  );
}

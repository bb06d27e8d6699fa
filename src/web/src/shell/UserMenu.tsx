import { Avatar, Badge, Group, Menu, Text, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconLogout, IconUserCircle } from '@tabler/icons-react';
import { useNavigate } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { notifications } from '@mantine/notifications';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { ME_KEY, useSession } from '../lib/session';
import { OrgSwitcherItems } from '../features/agency/OrgSwitcher';

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  if (parts.length === 1) return [...parts[0]!].slice(0, 2).join('').toUpperCase();
  return (parts[0]![0]! + parts[parts.length - 1]![0]!).toUpperCase();
}

export function UserMenu() {
  const { t } = useTranslation();
  const { user } = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();

  async function signOut() {
    try {
      await api.post('/api/auth/logout');
    } catch (e) {
      notifications.show({ color: 'red', title: t('user.signOutFailed'), message: errorMessage(t, e) });
      return;
    }
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    qc.setQueryData(ME_KEY, null);
  }

  return (
    <Menu position="bottom-end" width={260} shadow="md" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('user.menu')} data-testid="user-menu" className="ad-user-button">
          <Group gap={8} wrap="nowrap">
            <Avatar size={28} radius="xl" color="indigo" variant="filled">
              {initials(user.name)}
            </Avatar>
            <div className="ad-user-text">
              <Text size="sm" fw={500} lh={1.2} truncate maw={160}>
                {user.name}
              </Text>
              <Text size="xs" c="dimmed" lh={1.2}>
                {t(`roles.${user.role}`)}
              </Text>
            </div>
            <IconChevronDown size={14} stroke={1.5} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('user.signedInAs')}</Menu.Label>
        <div style={{ padding: '2px 12px 8px' }}>
          <Text size="sm" fw={500} truncate>
            {user.name}
          </Text>
          <Text size="xs" c="dimmed" truncate>
            {user.email}
          </Text>
          <Badge mt={6} size="sm" variant="light">
            {t(`roles.${user.role}`)}
          </Badge>
        </div>
        <OrgSwitcherItems />
        <Menu.Divider />
        <Menu.Item leftSection={<IconUserCircle size={16} stroke={1.5} />} onClick={() => navigate('/account')} data-testid="menu-account">
          {t('user.account')}
        </Menu.Item>
        <Menu.Item leftSection={<IconLogout size={16} stroke={1.5} />} onClick={() => void signOut()}>
          {t('user.signOut')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

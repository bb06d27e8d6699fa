import { Badge, Group, Menu, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBuildingStore, IconCheck, IconLayoutDashboard } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { errorMessage } from '../../lib/errors';
import { useMemberships, useSwitchOrganisation } from './api';

/**
 * The organisation part of the user menu: shown when the login belongs to more than one
 * organisation. Picking one switches the session there and opens its start page.
 */
export function OrgSwitcherItems() {
  const { t } = useTranslation('agency');
  const orgs = useMemberships();
  const switcher = useSwitchOrganisation();
  const navigate = useNavigate();
  if (!orgs.data || orgs.data.length < 2) return null;

  const pick = (orgId: string) =>
    switcher.mutate({ orgId, to: '/' }, {
      onError: (e) => notifications.show({ color: 'red', title: t('switchFailed'), message: errorMessage(t, e) }),
    });

  return (
    <>
      <Menu.Divider />
      <Menu.Label>{t('organisations')}</Menu.Label>
      {orgs.data.map((o) => (
        <Menu.Item
          key={o.id}
          data-testid={`org-switch-${o.name}`}
          leftSection={o.current ? <IconCheck size={16} stroke={1.8} /> : <IconBuildingStore size={16} stroke={1.5} />}
          disabled={switcher.isPending}
          onClick={() => !o.current && pick(o.id)}
          aria-current={o.current ? 'true' : undefined}
        >
          <Text size="sm" fw={o.current ? 600 : 400} truncate maw={190}>
            {o.name}
          </Text>
          <Group gap={4} mt={2}>
            <Badge size="xs" variant="light" color={o.kind === 'agency' ? 'grape' : 'gray'} tt="none">
              {t(`kind.${o.kind}`)}
            </Badge>
            <Badge size="xs" variant="outline" color="indigo" tt="none">
              {t(`common:roles.${o.role}`)}
            </Badge>
            {o.brandLimited && (
              <Badge size="xs" variant="outline" color="orange" tt="none">
                {t('brandLimited')}
              </Badge>
            )}
          </Group>
        </Menu.Item>
      ))}
      <Menu.Item leftSection={<IconLayoutDashboard size={16} stroke={1.5} />} onClick={() => navigate('/agency')} data-testid="agency-overview-link">
        {t('overviewLink')}
      </Menu.Item>
    </>
  );
}

import { Alert, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconClockExclamation, IconInbox, IconReceiptRefund, IconUserCheck } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { errorMessage } from '../../lib/errors';
import { useAgencyOverview, useSwitchOrganisation, type AgencyOrgCounts } from './api';

/** Where each count leads inside its organisation. */
const TARGETS = {
  openTickets: '/inbox',
  slaAtRisk: '/inbox',
  slaBreached: '/inbox',
  returnsWaiting: '/returns',
  approvalsWaiting: '/remedies',
} as const;
type CountKey = keyof typeof TARGETS;

const ICONS: Record<CountKey, ReactNode> = {
  openTickets: <IconInbox size={16} />,
  slaAtRisk: <IconClockExclamation size={16} />,
  slaBreached: <IconAlertTriangle size={16} />,
  returnsWaiting: <IconReceiptRefund size={16} />,
  approvalsWaiting: <IconUserCheck size={16} />,
};

/** Counts across the organisations of this login; each count switches there and opens the list. */
export function AgencyPage() {
  const { t } = useTranslation('agency');
  const overview = useAgencyOverview();
  const switcher = useSwitchOrganisation();
  const navigate = useNavigate();

  const open = (org: AgencyOrgCounts, key: CountKey) => {
    const to = TARGETS[key];
    if (org.current) return navigate(to);
    switcher.mutate({ orgId: org.id, to }, {
      onError: (e) => notifications.show({ color: 'red', title: t('switchFailed'), message: errorMessage(t, e) }),
    });
  };

  return (
    <Stack gap="md" maw={1100}>
      <div>
        <Title order={2}>{t('title')}</Title>
        <Text size="sm" c="dimmed">
          {t('intro')}
        </Text>
      </div>
      {overview.isPending && <Loader size="sm" />}
      {overview.error && (
        <Alert color="red" title={t('common:states.loadFailedTitle')}>
          {errorMessage(t, overview.error)}
          <Button variant="light" size="xs" mt="xs" onClick={() => void overview.refetch()}>
            {t('common:actions.retry')}
          </Button>
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {overview.data?.map((o) => (
          <Card key={o.id} withBorder padding="md" radius="md" data-testid={`agency-org-${o.name}`}>
            <Group justify="space-between" wrap="nowrap" mb="sm">
              <Text fw={600} truncate>
                {o.name}
              </Text>
              <Group gap={4} wrap="nowrap">
                {o.current && (
                  <Badge size="sm" color="teal" variant="light" tt="none">
                    {t('current')}
                  </Badge>
                )}
                <Badge size="sm" variant="light" color={o.kind === 'agency' ? 'grape' : 'gray'} tt="none">
                  {t(`kind.${o.kind}`)}
                </Badge>
                <Badge size="sm" variant="outline" tt="none">
                  {t(`common:roles.${o.role}`)}
                </Badge>
              </Group>
            </Group>
            {o.brandLimited && (
              <Text size="xs" c="dimmed" mb="xs">
                {t('brandLimitedHint')}
              </Text>
            )}
            <SimpleGrid cols={{ base: 2, xs: 3, sm: 5 }} spacing="xs">
              {(Object.keys(TARGETS) as CountKey[]).map((k) => (
                <UnstyledButton key={k} className="ad-agency-count" onClick={() => open(o, k)} disabled={switcher.isPending} data-testid={`agency-count-${k}`} aria-label={`${o.name}: ${t(`counts.${k}`)} ${o[k]}`}>
                  <Group gap={4} c={k === 'slaBreached' && o[k] > 0 ? 'red' : k === 'slaAtRisk' && o[k] > 0 ? 'orange' : 'dimmed'} wrap="nowrap">
                    {ICONS[k]}
                    <Text size="xs" lh={1.2}>
                      {t(`counts.${k}`)}
                    </Text>
                  </Group>
                  <Text size="xl" fw={700} mt={2}>
                    {o[k]}
                  </Text>
                </UnstyledButton>
              ))}
            </SimpleGrid>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

import { Alert, Badge, Button, Card, Code, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconCircleCheck, IconInfoCircle, IconPlugConnected, IconRefresh } from '@tabler/icons-react';
import {useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import { api, ApiError } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useSession } from '../../lib/session';
import { useShops } from '../settings/api';
import { QueryState } from '../settings/common';
import type { ShopView } from '../settings/types';
import { formatDateTime, setupKeys, useConnections, type ConnectionView } from './api';
import { useApiMutation } from '../../lib/mutation';

const KINDS = ['orders', 'returns', 'cancellations', 'conversations'] as const;

interface Outcome {
  connected: { shopId: string; tiktokShopId: string; name: string }[];
  unmatched: { tiktokShopId: string; name: string; region: string; reason: string }[];
  refused: { tiktokShopId: string; name: string; region: string }[];
}
interface SyncReport {
  orders: number;
  returns: number;
  cancellations: number;
  messages: number;
}

/** Reads (once) what the OAuth callback put in the address, then takes it out of the address bar. */
function useOauthOutcome(): { outcome: Outcome | null; errorCode: string | null; dismiss: () => void } {
  const location = useLocation();
  const navigate = useNavigate();
  const [state, setState] = useState<{ outcome: Outcome | null; errorCode: string | null }>({ outcome: null, errorCode: null });
  useEffect(() => {
    const q = new URLSearchParams(location.search);
    const raw = q.get('oauth');
    const err = q.get('oauthError');
    if (!raw && !err) return;
    let outcome: Outcome | null = null;
    if (raw) {
      try {
        const b64 = raw.replace(/-/g, '+').replace(/_/g, '/');
        outcome = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))) as Outcome;
      } catch {
        outcome = null;
      }
    }
    setState({ outcome, errorCode: err });
    navigate(location.pathname, { replace: true });
  }, [location.search, location.pathname, navigate]);
  return { ...state, dismiss: () => setState({ outcome: null, errorCode: null }) };
}

export function TikTokPanel() {
  const { t } = useTranslation('setup');
  const shops = useShops();
  const { can } = useSession();
  const isOwner = can(['owner']);
  const { outcome, errorCode, dismiss } = useOauthOutcome();
  // After an authorisation the first sync runs in the background: follow it until every newly
  // connected shop shows a sync of each kind.
  const [following, setFollowing] = useState(false);
  const connections = useConnections(following);
  useEffect(() => {
    if (outcome?.connected.length) setFollowing(true);
  }, [outcome]);
  useEffect(() => {
    if (!following || !outcome || !connections.data) return;
    const done = outcome.connected.every((c) => (connections.data.find((x) => x.shopId === c.shopId)?.lastSync.length ?? 0) >= KINDS.length);
    if (done) setFollowing(false);
  }, [following, outcome, connections.data]);
  const message = useErrorMessage();
  const byShop = useMemo(() => new Map((connections.data ?? []).map((c) => [c.shopId, c])), [connections.data]);

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('tiktok.intro')}
      </Text>
      {outcome && (
        <Alert color={outcome.connected.length ? 'teal' : 'yellow'} icon={<IconCircleCheck size={18} />} withCloseButton onClose={dismiss} title={t('tiktok.outcome.title')} data-testid="oauth-outcome">
          <Stack gap={4}>
            {outcome.connected.length > 0 && <Text size="sm">{t('tiktok.outcome.connected', { shops: outcome.connected.map((c) => c.name).join(', ') })}</Text>}
            {outcome.connected.length > 0 && <Text size="sm">{t('tiktok.outcome.firstSync')}</Text>}
            {outcome.unmatched.map((u) => (
              <Text size="sm" key={u.tiktokShopId}>
                {t('tiktok.outcome.unmatched', { name: u.name, region: u.region, reason: t(`tiktok.unmatchedReason.${u.reason}`, { defaultValue: u.reason }) })}
              </Text>
            ))}
            {outcome.refused.map((u) => (
              <Text size="sm" key={u.tiktokShopId}>
                {t('tiktok.outcome.refused', { name: u.name, region: u.region })}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      {errorCode && (
        <Alert color="red" icon={<IconAlertCircle size={18} />} withCloseButton onClose={dismiss} title={t('tiktok.outcome.failedTitle')} data-testid="oauth-error">
          {message(new ApiError(400, errorCode, t('tiktok.outcome.failedFallback')))}
        </Alert>
      )}
      <QueryState isPending={shops.isPending || connections.isPending} error={shops.error ?? connections.error} empty={!shops.data?.length} emptyText={t('tiktok.noShops')}>
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
          {shops.data?.map((s) => <ShopConnection key={s.id} shop={s} connection={byShop.get(s.id) ?? null} isOwner={isOwner} />)}
        </SimpleGrid>
      </QueryState>
      <Alert variant="light" color="gray" icon={<IconInfoCircle size={18} />} title={t('tiktok.unbound.title')} data-testid="unbound-note">
        <Text size="sm">{t('tiktok.unbound.body')}</Text>
        <Code mt={6} block>
          npx afterdesk tiktok unbound
        </Code>
      </Alert>
    </Stack>
  );
}

function statusColor(status: string | null): string {
  return status === 'active' ? 'teal' : status === 'needs_reauthorisation' ? 'orange' : status === 'revoked' ? 'red' : 'gray';
}

function ShopConnection({ shop, connection, isOwner }: { shop: ShopView; connection: ConnectionView | null; isOwner: boolean }) {
  const { t, i18n } = useTranslation('setup');
  const qc = useQueryClient();
  const message = useErrorMessage();
  const [report, setReport] = useState<SyncReport | null>(null);
  const status = connection?.status ?? null;

  const authorise = useApiMutation({
    mutationFn: () => api.post<{ url: string }>('/api/tiktok/authorize', { shopId: shop.id }),
    // The seller confirms on TikTok; TikTok sends the browser back to our callback, which returns here.
    onSuccess: (r) => window.location.assign(r.url),
  });
  const sync = useApiMutation({
    mutationFn: () => api.post<SyncReport>(`/api/tiktok/shops/${encodeURIComponent(shop.id)}/sync`, {}),
    onSuccess: async (r) => {
      setReport(r);
      await qc.invalidateQueries({ queryKey: setupKeys.connections });
      notifications.show({ color: 'teal', message: t('tiktok.synced', { shop: shop.name }) });
    },
  });

  const last = new Map((connection?.lastSync ?? []).map((k) => [k.kind, k]));
  return (
    <Card withBorder radius="md" padding="md" data-testid={`connection-${shop.id}`}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <div style={{ minWidth: 0 }}>
            <Text fw={600} truncate>
              {shop.name}
            </Text>
            <Text size="xs" c="dimmed">
              {t(`common:markets.${shop.market}`, { defaultValue: shop.market })} · {connection ? t('tiktok.tiktokId', { id: connection.tiktokShopId }) : t('tiktok.noTiktokId')}
            </Text>
          </div>
          <Badge color={statusColor(status)} variant="light" tt="none" data-testid="connection-status" style={{ flexShrink: 0 }}>
            {t(`tiktok.status.${status ?? 'not_connected'}`)}
          </Badge>
        </Group>
        {connection && (
          <>
            <Group gap="lg">
              <div>
                <Text size="xs" c="dimmed">
                  {t('tiktok.accessExpires')}
                </Text>
                <Text size="sm">{formatDateTime(connection.accessExpiresAt, i18n.language)}</Text>
              </div>
              <div>
                <Text size="xs" c="dimmed">
                  {t('tiktok.refreshExpires')}
                </Text>
                <Text size="sm">{formatDateTime(connection.refreshExpiresAt, i18n.language)}</Text>
              </div>
            </Group>
            <Table withRowBorders={false} verticalSpacing={2} data-testid="last-sync">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('tiktok.lastSync')}</Table.Th>
                  <Table.Th>{t('tiktok.lastRun')}</Table.Th>
                  <Table.Th ta="right">{t('tiktok.lastCount')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {KINDS.map((k) => {
                  const c = last.get(k);
                  return (
                    <Table.Tr key={k} data-testid={`sync-${k}`}>
                      <Table.Td>
                        <Text size="sm">{t(`tiktok.kinds.${k}`)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={c?.lastRunAt ? undefined : 'dimmed'}>
                          {c?.lastRunAt ? formatDateTime(c.lastRunAt, i18n.language) : t('tiktok.never')}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Text size="sm">{c ? c.lastCount : '—'}</Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </>
        )}
        {status === 'needs_reauthorisation' && <Text size="sm" c="orange">{t('tiktok.needsReauthHint')}</Text>}
        {status === 'revoked' && <Text size="sm" c="red">{t('tiktok.revokedHint')}</Text>}
        {report && (
          <Text size="sm" c="teal" data-testid="sync-report">
            {t('tiktok.report', { ...report })}
          </Text>
        )}
        <Group gap="xs">
          {isOwner && (
            <Button size="xs" variant={connection ? 'default' : 'filled'} leftSection={<IconPlugConnected size={14} />} loading={authorise.isPending} onClick={() => authorise.mutate()}>
              {connection ? t('tiktok.reauthorise') : t('tiktok.authorise')}
            </Button>
          )}
          {status === 'active' && (
            <Button size="xs" variant="light" leftSection={<IconRefresh size={14} />} loading={sync.isPending} onClick={() => sync.mutate()}>
              {sync.isPending ? t('tiktok.syncing') : t('tiktok.syncNow')}
            </Button>
          )}
        </Group>
        {!isOwner && !connection && <Text size="xs" c="dimmed">{t('tiktok.ownerAuthorises')}</Text>}
      </Stack>
    </Card>
  );
}


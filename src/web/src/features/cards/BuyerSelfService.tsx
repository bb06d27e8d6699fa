import { Anchor, Badge, Group, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import type { BuyerSelfServiceView } from '../../../../modules/portal/portal.dto';

export const useBuyerSelfService = (buyerId: string | null) =>
  useQuery({ queryKey: ['portal', 'buyer', buyerId ?? ''], enabled: !!buyerId, queryFn: ({ signal }) => api.get<BuyerSelfServiceView>(`/api/portal/buyers/${buyerId}`, { signal }) });

/** The buyer panel (inbox sidebar): warranties registered and consent given on the self-service page. */
export function BuyerSelfService({ buyerId }: { buyerId: string }) {
  const { t } = useTranslation('cards');
  const f = useFormat();
  const q = useBuyerSelfService(buyerId);
  if (q.isPending) return <Loader size="xs" />;
  const v = q.data;
  if (!v) return null;
  const c = v.consent;
  return (
    <Stack gap={6} data-testid="buyer-self-service">
      {v.warranties.length === 0 ? (
        <Text size="xs" c="dimmed">
          {t('buyer.noWarranties')}
        </Text>
      ) : (
        v.warranties.slice(0, 5).map((w) => (
          <div key={w.id} data-testid="buyer-warranty">
            <Text size="xs" fw={600} truncate>
              {w.productName}
            </Text>
            <Text size="xs" c="dimmed">
              {t('buyer.serial')}: {w.serialNumber} · {t('buyer.until', { date: f.date(w.endsAt) })}
              {w.proofSha256 && (
                <>
                  {' · '}
                  <Anchor href={`/api/evidence/files/${w.proofSha256}`} target="_blank" rel="noopener" size="xs">
                    {t('buyer.proof')}
                  </Anchor>
                </>
              )}
            </Text>
          </div>
        ))
      )}
      <Group gap={6} wrap="wrap">
        <Badge size="xs" variant="light" color={c?.marketingConsent ? 'teal' : 'gray'} data-testid="buyer-marketing-consent">
          {c?.marketingConsent ? t('buyer.marketingYes') : t('buyer.marketingNo')}
        </Badge>
        <Badge size="xs" variant="light" color={c?.birthdayConsent && c.birthday ? 'grape' : 'gray'} data-testid="buyer-birthday">
          {c?.birthdayConsent && c.birthday ? t('buyer.birthday', { date: f.date(`${c.birthday}T12:00:00Z`) }) : t('buyer.noBirthday')}
        </Badge>
      </Group>
      {c?.source === 'self_service_page' && (
        <Text size="xs" c="dimmed">
          {t('buyer.fromPage', { date: f.date(c.updatedAt) })}
        </Text>
      )}
    </Stack>
  );
}

import { Badge, Center, EmptyState, Paper } from '@mantine/core';
import type { Icon } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../shell/PageHeader';

/** Honest stand-in for a module that is not built yet; replaced by `features/<module>/`. */
export function ComingSoon({ feature, icon: Icon }: { feature: 'inbox' | 'returns' | 'evidence' | 'coupons' | 'analytics'; icon: Icon }) {
  const { t } = useTranslation('placeholders');
  return (
    <>
      <PageHeader title={t(`common:nav.${feature}`)} actions={<Badge variant="light" color="gray">{t('badge')}</Badge>} />
      <Paper withBorder radius="md" p="xl" mt="md">
        <Center mih={280}>
          <EmptyState
            maw={520}
            icon={<Icon size={32} stroke={1.5} />}
            withIndicatorBackground
            title={t(`${feature}.title`)}
            description={t(`${feature}.description`)}
            data-testid={`coming-soon-${feature}`}
          />
        </Center>
      </Paper>
    </>
  );
}

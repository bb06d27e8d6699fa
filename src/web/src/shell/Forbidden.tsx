import { Button, Center, EmptyState } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';

/** A page that exists but is not open to the signed-in person's role (the 403 of the web UI). */
export function Forbidden({ home }: { home: string }) {
  const { t } = useTranslation();
  return (
    <Center mih={360}>
      <EmptyState icon={<IconLock size={32} stroke={1.5} />} withIndicatorBackground title={t('forbidden.title')} description={t('forbidden.body')} data-testid="forbidden">
        <Button component={Link} to={home} variant="light" mt="md">
          {t('notFound.back')}
        </Button>
      </EmptyState>
    </Center>
  );
}

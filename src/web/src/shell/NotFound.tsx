import { Button, Center, EmptyState } from '@mantine/core';
import { IconCompass } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';

export function NotFound({ home }: { home: string }) {
  const { t } = useTranslation();
  return (
    <Center mih={360}>
      <EmptyState icon={<IconCompass size={32} stroke={1.5} />} withIndicatorBackground title={t('notFound.title')} description={t('notFound.body')}>
        <Button component={Link} to={home} variant="light" mt="md">
          {t('notFound.back')}
        </Button>
      </EmptyState>
    </Center>
  );
}

import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { hitPath } from './api';
import { LookupPicker } from './LookupPicker';

/** The header's search box: any number or name → the order, return, ticket or customer page. */
export function ShellSearch({ testId = 'shell-search' }: { testId?: string }) {
  const { t } = useTranslation('records');
  const navigate = useNavigate();
  return <LookupPicker placeholder={t('search.placeholder')} onPick={(h) => h && navigate(hitPath(h))} testId={testId} clearable={false} />;
}

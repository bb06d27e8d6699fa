import { Tabs } from '@mantine/core';
import { IconBolt, IconBuildingStore, IconClockHour4, IconLock, IconTags, IconUsers } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { PageHeader } from '../../shell/PageHeader';
import { useSession } from '../../lib/session';
import { PrivacyPanel } from '../privacy/PrivacyPanel';
import { BrandsPanel } from './BrandsPanel';
import { ShopsPanel } from './ShopsPanel';
import { SlaPanel } from './SlaPanel';
import { TeamPanel } from './TeamPanel';
import { AutomationsPanel } from './AutomationsPanel';

const TABS = ['shops', 'brands', 'team', 'sla', 'automations', 'privacy'] as const;

export function SettingsPage() {
  const { t } = useTranslation('settings');
  const navigate = useNavigate();
  // A buyer's data requests and retention are the owner's (the API says the same).
  const isOwner = useSession().can(['owner']);
  const location = useLocation();
  const current = TABS.find((tab) => location.pathname.startsWith(`/settings/${tab}`)) ?? 'shops';

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <Tabs value={current} onChange={(v) => v && navigate(`/settings/${v}`)} mt="md" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="shops" leftSection={<IconBuildingStore size={16} stroke={1.6} />}>
            {t('tabs.shops')}
          </Tabs.Tab>
          <Tabs.Tab value="brands" leftSection={<IconTags size={16} stroke={1.6} />}>
            {t('tabs.brands')}
          </Tabs.Tab>
          <Tabs.Tab value="team" leftSection={<IconUsers size={16} stroke={1.6} />}>
            {t('tabs.team')}
          </Tabs.Tab>
          <Tabs.Tab value="sla" leftSection={<IconClockHour4 size={16} stroke={1.6} />}>
            {t('tabs.sla')}
          </Tabs.Tab>
          <Tabs.Tab value="automations" leftSection={<IconBolt size={16} stroke={1.6} />} data-testid="tab-automations">
            {t('tabs.automations')}
          </Tabs.Tab>
          {isOwner && (
            <Tabs.Tab value="privacy" leftSection={<IconLock size={16} stroke={1.6} />}>
              {t('tabs.privacy')}
            </Tabs.Tab>
          )}
        </Tabs.List>
      </Tabs>
      <div style={{ paddingTop: 16 }}>
        <Routes>
          <Route index element={<Navigate to="shops" replace />} />
          <Route path="shops/*" element={<ShopsPanel />} />
          <Route path="brands" element={<BrandsPanel />} />
          <Route path="team" element={<TeamPanel />} />
          <Route path="sla" element={<SlaPanel />} />
          <Route path="automations" element={<AutomationsPanel />} />
          {isOwner && <Route path="privacy" element={<PrivacyPanel />} />}
          <Route path="*" element={<Navigate to="shops" replace />} />
        </Routes>
      </div>
    </>
  );
}
